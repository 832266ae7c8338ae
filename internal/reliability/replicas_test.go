package reliability

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/sactl/sactl/internal/store/pgtest"
)

// TestReplicasShareOnePostgreSQL: two "sactl serve" replicas on one
// PostgreSQL database are one service (R-DB-4). Concurrent rotations of
// one account split across them serialise on the database (R-DB-3): the
// account stays within its key limit, every rotation is audited exactly
// once and the chain stays valid (R-AUD-2); an account archived through one
// replica has its keys rejected by the other on the very next request
// (R-SA-8): B's verification cache, warm with the key, drops it at once
// (P-3), as every write bumps the change counter both replicas read.
func TestReplicasShareOnePostgreSQL(t *testing.T) {
	url := pgtest.URL(t)
	s := newSandbox(t)
	s.db = url
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		t.Fatal(err)
	}
	// Every replica gets the same master key (R-KEY-10), as a deployment would.
	s.base = append(s.base, "SACTL_MASTER_KEY="+base64.StdEncoding.EncodeToString(raw[:]))
	admin := s.initServer()
	a, b := s.startServer(), s.startServer()
	replicas := []*server{a, b}
	hc := &http.Client{}

	call := func(sv *server, method, path string, body, into any) int {
		t.Helper()
		code, out, err := callAPI(hc, method, sv.url+path, admin, body)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		if into != nil && code < 300 {
			if err := json.Unmarshal(out, into); err != nil {
				t.Fatalf("%s %s: %v in %s", method, path, err, out)
			}
		}
		if code >= 300 {
			t.Logf("%s %s: %d %s", method, path, code, out)
		}
		return code
	}

	// The admin of "serve init" acts for the group it creates the account in.
	var created struct {
		ID  string `json:"id"`
		Key struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"key"`
	}
	if code := call(a, "POST", "/api/v1/groups", map[string]any{"name": "base", "permissions": map[string]string{"audit": "view"}}, nil); code != 201 {
		t.Fatalf("create group on replica A: %d", code)
	}
	if code := call(a, "POST", "/api/v1/service-accounts", map[string]any{"name": "Zapier Sync", "groups": []string{"base"}}, &created); code != 201 {
		t.Fatalf("create account on replica A: %d", code)
	}

	const rotations = 16
	var wg sync.WaitGroup
	codes := make([]int, rotations)
	secrets := make([]string, rotations)
	for i := range rotations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var k struct {
				Secret string `json:"secret"`
			}
			codes[i] = call(replicas[i%2], "POST", "/api/v1/service-accounts/"+created.ID+"/keys/rotate?confirm=true", nil, &k)
			secrets[i] = k.Secret
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != 201 && c != 200 {
			t.Errorf("rotation %d on replica %c: status %d", i, "AB"[i%2], c)
		}
	}

	var keys struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	call(b, "GET", "/api/v1/service-accounts/"+created.ID+"/keys", nil, &keys)
	if n := len(keys.Items); n == 0 || n > 2 {
		t.Errorf("after %d rotations through two replicas the account holds %d keys; max_keys_per_account is 2 (R-DB-3)", rotations, n)
	}
	var events struct {
		Items []struct {
			Action string `json:"action"`
		} `json:"items"`
	}
	call(b, "GET", "/api/v1/audit?action=key.rotated&limit=1000", nil, &events)
	if n := len(events.Items); n != rotations {
		t.Errorf("the audit log holds %d key.rotated events, want exactly %d (R-AUD-1)", n, rotations)
	}
	for _, sv := range replicas {
		var check struct {
			OK     bool `json:"ok"`
			Events int  `json:"events"`
		}
		call(sv, "GET", "/api/v1/audit/verify", nil, &check)
		if !check.OK {
			t.Errorf("audit verify on %s: chain broken after concurrent rotations on two replicas (R-AUD-2)", sv.url)
		}
	}

	// The newest key verifies on both replicas; archive on A; B rejects it next.
	newest := ""
	for i := rotations - 1; i >= 0 && newest == ""; i-- {
		newest = secrets[i]
	}
	introspect := func(sv *server, secret string) bool {
		var v struct {
			Active bool `json:"active"`
		}
		if code := call(sv, "POST", "/api/v1/auth/introspect", map[string]string{"token": secret}, &v); code != 200 {
			t.Fatalf("introspect on %s: %d", sv.url, code)
		}
		return v.Active
	}
	var live []string
	for _, sec := range secrets {
		if sec != "" && (introspect(a, sec) || introspect(b, sec)) {
			live = append(live, sec)
		}
	}
	if len(live) == 0 || len(live) > 2 {
		t.Errorf("%d of the rotated keys still verify, want 1 or 2", len(live))
	}
	// B has just answered for every live key: its verification cache is
	// warm with them when A archives the account (P-3).
	for _, sec := range live {
		if !introspect(b, sec) {
			t.Errorf("a live key verifies on replica A but not on replica B")
		}
	}
	if code := call(a, "POST", "/api/v1/service-accounts/"+created.ID+"/archive?confirm=true", nil, nil); code >= 300 {
		t.Fatalf("archive on replica A: %d", code)
	}
	for _, sec := range live {
		if introspect(b, sec) {
			t.Errorf("a key of the account archived through replica A still verifies on replica B (R-SA-8)")
		}
	}
	fmt.Printf("replicas: %d rotations split over 2 replicas, %d keys left, %d key.rotated events, chain valid on both; %d live keys rejected by B after archive on A\n",
		rotations, len(keys.Items), len(events.Items), len(live))
}
