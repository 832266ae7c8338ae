package reliability

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestServerCacheSeesOtherProcesses (P-3): "sactl serve" answers
// introspection from its verification cache, yet a change made by another
// sactl process on the same SQLite file is seen by the very next request:
// suspended, the account's key is rejected; resumed, accepted again (a
// cached rejection does not outlive the change either).
func TestServerCacheSeesOtherProcesses(t *testing.T) {
	s := newSandbox(t)
	admin := s.initServer()
	sv := s.startServer()
	hc := &http.Client{}
	var created struct {
		APIName string `json:"api_name"`
		Key     struct {
			Secret string `json:"secret"`
		} `json:"key"`
	}
	code, out, err := callAPI(hc, "POST", sv.url+"/api/v1/service-accounts", admin,
		map[string]any{"name": "Cached Bot", "groups": []string{"admins"}})
	if err != nil || code != 201 || json.Unmarshal(out, &created) != nil {
		t.Fatalf("create: %d %s %v", code, out, err)
	}
	introspect := func(what string) bool {
		t.Helper()
		var v struct {
			Active bool   `json:"active"`
			Reason string `json:"reason"`
		}
		code, out, err := callAPI(hc, "POST", sv.url+"/api/v1/auth/introspect", admin, map[string]string{"token": created.Key.Secret})
		if err != nil || code != 200 || json.Unmarshal(out, &v) != nil {
			t.Fatalf("%s: introspect: %d %s %v", what, code, out, err)
		}
		return v.Active
	}
	for range 3 { // warm the cache
		if !introspect("before") {
			t.Fatal("the new account's key is rejected")
		}
	}
	s.must(s.localEnv(), "sa", "suspend", created.APIName, "--yes")
	if introspect("after sa suspend in another process") {
		t.Fatal("the server accepted the key of an account another process suspended")
	}
	introspect("again") // the rejection is cached now
	s.must(s.localEnv(), "sa", "resume", created.APIName)
	if !introspect("after sa resume in another process") {
		t.Fatal("the server still rejects the key of an account another process resumed")
	}
}
