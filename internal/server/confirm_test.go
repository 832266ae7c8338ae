package server

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestConfirmOnTheWire: confirm=true agrees blindly, confirm=<digest>
// agrees to the plan the 428 answer described, and a digest of a plan that
// has changed is a 409 carrying the plan as it is now (R-CLI-2).
func TestConfirmOnTheWire(t *testing.T) {
	f := newFixture(t)
	f.account("Zap", "admins")
	const path = "/api/v1/service-accounts/zap/suspend"

	code, body := f.do("POST", path, f.admin, nil)
	if code != http.StatusPreconditionRequired {
		t.Fatalf("unconfirmed: %d %v", code, body)
	}
	conf, _ := body["error"].(map[string]any)["confirmation"].(map[string]any)
	digest, _ := conf["digest"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(digest) {
		t.Fatalf("the 428 answer carries the plan's digest: %v", body)
	}
	if targets, _ := conf["targets"].([]any); len(targets) != 2 {
		t.Fatalf("the plan names the account and its key: %v", conf)
	}

	for _, bad := range []string{"yes", "no", strings.ToUpper(digest)} {
		code, body = f.do("POST", path+"?confirm="+bad, f.admin, nil)
		if code != http.StatusBadRequest || errCode(body) != "invalid" {
			t.Fatalf("confirm=%s: %d %v", bad, code, body)
		}
	}
	code, body = f.do("POST", path+"?confirm=0123456789abcdef", f.admin, nil)
	if code != http.StatusConflict || !strings.Contains(body["error"].(map[string]any)["message"].(string), "changed since you confirmed; nothing was changed") {
		t.Fatalf("the digest of another plan: %d %v", code, body)
	}
	if now, _ := body["error"].(map[string]any)["confirmation"].(map[string]any); now["digest"] != digest {
		t.Fatalf("the conflict carries the plan as it is now: %v", body)
	}
	code, body = f.do("POST", path+"?dry_run=true&confirm="+digest, f.admin, nil)
	if code != http.StatusOK || body["status"] != "suspended" {
		t.Fatalf("dry run confirmed with the digest: %d %v", code, body)
	}
	code, body = f.do("POST", path+"?confirm="+digest, f.admin, nil)
	if code != http.StatusOK || body["status"] != "suspended" {
		t.Fatalf("confirmed with the digest: %d %v", code, body)
	}
	// confirm=true is still a blind yes (what --yes sends).
	f.do("POST", "/api/v1/service-accounts/zap/resume", f.admin, nil)
	code, body = f.do("POST", path+"?confirm=true", f.admin, nil)
	if code != http.StatusOK || body["status"] != "suspended" {
		t.Fatalf("confirm=true: %d %v", code, body)
	}
}
