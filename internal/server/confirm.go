package server

import (
	"net/http"
	"strconv"
)

// planDigestParam reads confirm=<digest> (R-CLI-2): a confirm value that is
// not a boolean is the digest of the plan the caller agreed to. The service
// checks its form and compares it with the plan, so confirm=yes is refused
// there (400) rather than read as "not confirmed".
func planDigestParam(r *http.Request) string {
	v := r.URL.Query().Get("confirm")
	if _, err := strconv.ParseBool(v); err == nil || v == "" {
		return ""
	}
	return v
}
