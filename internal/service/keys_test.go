package service

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/sactl/sactl/internal/api/apitest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/keys"
	"github.com/sactl/sactl/internal/store/storetest"
)

func (e *env) verify(s *Service, cred string) domain.Verification {
	e.t.Helper()
	v, err := s.Verify(e.ctx, cred)
	if err != nil {
		e.t.Fatalf("verify: %v", err)
	}
	return v
}

func (e *env) createWithKey(name string, groups ...string) (domain.Account, string) {
	e.t.Helper()
	c, err := e.local.CreateAccount(e.ctx, api.CreateAccountRequest{Name: name, Groups: groups})
	if err != nil {
		e.t.Fatal(err)
	}
	if c.Key == nil || !strings.HasPrefix(c.Key.Secret, "sak_") {
		e.t.Fatalf("R-KEY-3: creating an account issues its first key with the secret, got %+v", c.Key)
	}
	return c.Account, c.Key.Secret
}

func (e *env) keys(ref string) []domain.Key {
	e.t.Helper()
	ks, err := apitest.Items(e.local.ListKeys(e.ctx, ref, api.PageRequest{}))
	if err != nil {
		e.t.Fatal(err)
	}
	return ks
}

func TestThreeRotationsLeaveTwoKeys(t *testing.T) { // R-KEY-4
	e := newEnv(t)
	_, first := e.createWithKey("Zap", "admins")
	secrets := []string{first}
	var ids []string
	for i := 0; i < 3; i++ {
		e.clk.advance(time.Second)
		k, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", Mutation: yes})
		if err != nil {
			t.Fatal(err)
		}
		secrets, ids = append(secrets, k.Secret), append(ids, k.ID)
	}
	ks := e.keys("zap")
	if len(ks) != 2 {
		t.Fatalf("three rotations leave %d keys, want 2", len(ks))
	}
	if ks[1].ID != ids[2] || ks[1].Role != domain.RolePrimary || ks[0].ID != ids[1] || ks[0].Role != domain.RoleSecondary {
		t.Fatalf("want the newest primary and the one before secondary, got %+v", ks)
	}
	for i, s := range secrets {
		v := e.verify(e.local, s)
		if want := i >= 2; v.Active != want {
			t.Errorf("key %d: active = %v (%s), want %v", i, v.Active, v.Reason, want)
		}
		if i < 2 && v.Reason != domain.ReasonRevoked {
			t.Errorf("a rotated-out key fails as revoked, got %q", v.Reason)
		}
	}
	if n := len(e.events(domain.AuditFilter{Action: "key.rotated"})); n != 3 {
		t.Fatalf("%d key.rotated events", n)
	}
}

func TestRotationThatDeletesNeedsConfirmation(t *testing.T) { // R-KEY-4, R-CLI-2
	e := newEnv(t)
	e.createWithKey("Zap", "admins")
	if _, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap"}); err != nil {
		t.Fatalf("a rotation that deletes nothing needs no confirmation: %v", err)
	}
	_, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap"})
	wantKind(t, err, domain.KindNeedsConfirm)
	if len(e.keys("zap")) != 2 {
		t.Fatal("unconfirmed rotation changed the keys")
	}
}

func TestGraceAndDisablePrevious(t *testing.T) { // R-KEY-12
	e := newEnv(t)
	_, first := e.createWithKey("Zap", "admins")
	e.clk.advance(time.Second)
	if _, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", Grace: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	old := e.keys("zap")[0]
	if old.ExpiresAt == nil || !old.ExpiresAt.Equal(e.clk.now().Add(24*time.Hour)) {
		t.Fatalf("grace expiry = %v", old.ExpiresAt)
	}
	if !e.verify(e.local, first).Active {
		t.Fatal("the demoted key works during the grace period")
	}
	e.clk.advance(25 * time.Hour)
	if v := e.verify(e.local, first); v.Active || v.Reason != domain.ReasonExpired {
		t.Fatalf("after the grace period: %+v", v)
	}
	_, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", Grace: time.Hour, DisablePrevious: true, Mutation: yes})
	wantKind(t, err, domain.KindInvalid)
	if _, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", DisablePrevious: true, Mutation: yes}); err != nil {
		t.Fatal(err)
	}
	if ks := e.keys("zap"); ks[0].Status != domain.KeyDisabled || ks[1].Role != domain.RolePrimary {
		t.Fatalf("disable-previous: %+v", ks)
	}
}

// A grace period never lengthens the demoted key's life (R-KEY-12).
func TestGraceNeverExtendsAnExpiry(t *testing.T) {
	e := newEnv(t)
	e.createWithKey("Zap", "admins")
	k, err := e.local.CreateKey(e.ctx, api.CreateKeyRequest{Ref: "zap", Name: "short", ExpiresIn: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.local.DeleteKey(e.ctx, api.KeyRequest{Ref: "zap", Secondary: true, Mutation: yes}); err != nil {
		t.Fatal(err)
	}
	e.clk.advance(time.Second)
	if _, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", Grace: 24 * time.Hour, Mutation: yes}); err != nil {
		t.Fatal(err)
	}
	old := e.keys("zap")[0]
	if old.ID != k.ID || old.ExpiresAt == nil || !old.ExpiresAt.Equal(*k.ExpiresAt) {
		t.Fatalf("demoted key %s expires %v, want its own earlier expiry %v", old.ID, old.ExpiresAt, k.ExpiresAt)
	}
}

// Deleting the primary while a secondary exists takes --force (R-KEY-6).
func TestDeletePrimaryWithForce(t *testing.T) {
	e := newEnv(t)
	e.createWithKey("Zap", "admins")
	e.clk.advance(time.Second)
	if _, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", Mutation: yes}); err != nil {
		t.Fatal(err)
	}
	primary := e.keys("zap")[1]
	_, err := e.local.DeleteKey(e.ctx, api.KeyRequest{Ref: "zap", KeyID: primary.ID, Mutation: yes})
	wantKind(t, err, domain.KindConflict)
	if _, err := e.local.DeleteKey(e.ctx, api.KeyRequest{Ref: "zap", KeyID: primary.ID, Force: true, Mutation: yes}); err != nil {
		t.Fatal(err)
	}
	if ks := e.keys("zap"); len(ks) != 1 || ks[0].ID == primary.ID || ks[0].Role != domain.RolePrimary {
		t.Fatalf("after deleting the primary: %+v", ks)
	}
}

func TestNamedKeysUpToTheLimit(t *testing.T) { // R-KEY-5, R-KEY-15
	e := newEnv(t)
	e.createWithKey("Zap", "admins")
	if _, err := e.local.SetSetting(e.ctx, api.SetSettingRequest{Key: "max_keys_per_account", Value: "50"}); err != nil {
		t.Fatal(err)
	}
	// The first key is the sole key: deletable without --force.
	if _, err := e.local.DeleteKey(e.ctx, api.KeyRequest{Ref: "zap", KeyID: e.keys("zap")[0].ID, Mutation: yes}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if _, err := e.local.CreateKey(e.ctx, api.CreateKeyRequest{Ref: "zap", Name: "consumer " + string(rune('A'+i%26)) + strings.Repeat("x", i/26)}); err != nil {
			t.Fatalf("key %d: %v", i+1, err)
		}
	}
	_, err := e.local.CreateKey(e.ctx, api.CreateKeyRequest{Ref: "zap", Name: "one too many"})
	wantKind(t, err, domain.KindConflict)
	if !strings.Contains(err.Error(), "holds 50 of 50 keys") || !strings.Contains(err.Error(), "max_keys_per_account") {
		t.Fatalf("R-KEY-15 message: %q", err)
	}
	if n := len(e.keys("zap")); n != 50 {
		t.Fatalf("%d keys", n)
	}
}

func TestKeyExpiryBounds(t *testing.T) { // R-KEY-8
	e := newEnv(t)
	e.createWithKey("Zap", "admins")
	for k, v := range map[string]string{"max_keys_per_account": "10", "key_max_ttl": "2y", "key_min_ttl": "180d"} {
		if _, err := e.local.SetSetting(e.ctx, api.SetSettingRequest{Key: k, Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.local.CreateKey(e.ctx, api.CreateKeyRequest{Ref: "zap", ExpiresIn: 30 * domain.Day})
	wantKind(t, err, domain.KindInvalid)
	_, err = e.local.CreateKey(e.ctx, api.CreateKeyRequest{Ref: "zap", ExpiresIn: 3 * domain.Year})
	wantKind(t, err, domain.KindInvalid)
	k, err := e.local.CreateKey(e.ctx, api.CreateKeyRequest{Ref: "zap", ExpiresIn: 365 * domain.Day})
	if err != nil || !k.ExpiresAt.Equal(e.clk.now().Add(365*domain.Day)) {
		t.Fatalf("%v %v", err, k.ExpiresAt)
	}
	// Without --expires-in, a business with a maximum gives keys the maximum.
	k, err = e.local.CreateKey(e.ctx, api.CreateKeyRequest{Ref: "zap"})
	if err != nil || k.ExpiresAt == nil || !k.ExpiresAt.Equal(e.clk.now().Add(2*domain.Year)) {
		t.Fatalf("%v %v", err, k.ExpiresAt)
	}
	e.clk.advance(2*domain.Year + time.Second)
	if ks := e.keys("zap"); ks[len(ks)-1].Status != domain.KeyExpired {
		t.Fatalf("expired keys are shown as expired: %+v", ks[len(ks)-1])
	}
}

func TestPolicyBitesAtUseTime(t *testing.T) { // R-KEY-14
	e := newEnv(t)
	_, secret := e.createWithKey("Zap", "admins")
	e.clk.advance(400 * domain.Day)
	if !e.verify(e.local, secret).Active {
		t.Fatal("no policy yet: an old key works")
	}
	if _, err := e.local.SetSetting(e.ctx, api.SetSettingRequest{Key: "key_max_ttl", Value: "1y"}); err != nil {
		t.Fatal(err)
	}
	if v := e.verify(e.local, secret); v.Active || v.Reason != domain.ReasonTooOld {
		t.Fatalf("a key older than the new key_max_ttl is rejected: %+v", v)
	}
	e2 := newEnv(t)
	_, s2 := e2.createWithKey("Zap", "admins")
	e2.local.SetSetting(e2.ctx, api.SetSettingRequest{Key: "key_inactivity_limit", Value: "90d"})
	e2.clk.advance(91 * domain.Day)
	if v := e2.verify(e2.local, s2); v.Active || v.Reason != domain.ReasonInactive {
		t.Fatalf("a key unused for longer than key_inactivity_limit is rejected: %+v", v)
	}
}

func TestMalformedKeyFailsBeforeTheDatabase(t *testing.T) { // R-KEY-1
	e := newEnv(t)
	_, secret := e.createWithKey("Zap", "admins")
	flipped := []byte(secret)
	if flipped[10] == 'a' {
		flipped[10] = 'b'
	} else {
		flipped[10] = 'a'
	}
	// A closed store fails any query: a malformed key must not need one.
	e.st.Close()
	v, err := e.local.Verify(e.ctx, string(flipped))
	if err != nil || v.Active || v.Reason != domain.ReasonMalformed {
		t.Fatalf("flipped character: %+v %v", v, err)
	}
	if !strings.Contains(v.Explain(), "malformed key") {
		t.Fatalf("explanation = %q", v.Explain())
	}
	if _, err := e.local.Verify(e.ctx, secret); err == nil {
		t.Fatal("a well-formed key does reach the (closed) database")
	}
}

func TestStateChangesStopAuthentication(t *testing.T) { // R-SA-6, R-SA-7, R-SA-8, R-KEY-7
	e := newEnv(t)
	_, secret := e.createWithKey("Zap", "admins")
	check := func(want bool, reason, when string) {
		t.Helper()
		v := e.verify(e.local, secret)
		if v.Active != want || v.Reason != reason {
			t.Fatalf("%s: active=%v reason=%q, want %v %q", when, v.Active, v.Reason, want, reason)
		}
	}
	check(true, "", "fresh")
	e.local.SuspendAccount(e.ctx, "zap", yes)
	check(false, domain.ReasonAccountNotActive, "suspended")
	e.local.ResumeAccount(e.ctx, "zap", api.Mutation{})
	check(true, "", "resumed")
	e.local.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "zap", Op: api.GroupsClear, Mutation: yes})
	check(false, domain.ReasonAccountNotActive, "no groups")
	e.local.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "zap", Op: api.GroupsAdd, Groups: []string{"admins"}})
	check(true, "", "group back")
	id := e.keys("zap")[0].ID
	if _, err := e.local.SetKeyEnabled(e.ctx, api.KeyRequest{Ref: "zap", KeyID: id}, false); err != nil {
		t.Fatal(err)
	}
	check(false, domain.ReasonDisabledKey, "key disabled")
	e.local.SetKeyEnabled(e.ctx, api.KeyRequest{Ref: "zap", KeyID: id}, true)
	check(true, "", "key enabled")
	e.local.ArchiveAccount(e.ctx, "zap", yes)
	check(false, domain.ReasonAccountNotActive, "archived")
	if v := e.verify(e.local, secret); !strings.Contains(v.Explain(), "not active") {
		t.Fatalf("explanation = %q", v.Explain())
	}
}

func TestVerifyRecordsLastUseAtMostOncePerMinute(t *testing.T) { // R-KEY-9
	e := newEnv(t)
	_, secret := e.createWithKey("Zap", "admins")
	if e.keys("zap")[0].LastUsedAt != nil {
		t.Fatal("unused key has a last use")
	}
	t0 := e.clk.now()
	e.verify(e.local, secret)
	if err := e.usage.Flush(e.ctx); err != nil { // as the server does every few seconds
		t.Fatal(err)
	}
	e.clk.advance(30 * time.Second)
	e.verify(e.local, secret)
	if n := e.usage.Pending(); n != 0 {
		t.Fatalf("a use within the minute of the last one written is not even noted: %d pending", n)
	}
	if got := e.keys("zap")[0].LastUsedAt; got == nil || !got.Equal(t0) {
		t.Fatalf("last use within the minute stays %v, got %v", t0, got)
	}
	if a := e.get("zap"); a.LastUsedAt == nil || !a.LastUsedAt.Equal(t0) {
		t.Fatalf("the account's last use follows its keys: %v", a.LastUsedAt)
	}
	e.clk.advance(31 * time.Second)
	e.verify(e.local, secret)
	if got := e.keys("zap")[0].LastUsedAt; !got.Equal(e.clk.now()) {
		t.Fatalf("after a minute the last use moves on, got %v", got)
	}
}

func TestShowKeyAndRetrievalOff(t *testing.T) { // R-KEY-10
	storetest.SQLiteOnly(t) // reads the database file itself
	e := newEnv(t)
	_, secret := e.createWithKey("Zap", "admins")
	k, err := e.local.ShowKey(e.ctx, api.KeyRequest{Ref: "zap"})
	if err != nil || k.Secret != secret {
		t.Fatalf("show returns the secret create printed: %v", err)
	}
	if n := len(e.events(domain.AuditFilter{Action: "key.revealed"})); n != 1 {
		t.Fatalf("%d key.revealed events", n)
	}
	if _, err := e.local.SetSetting(e.ctx, api.SetSettingRequest{Key: "key_retrieval", Value: "off"}); err != nil {
		t.Fatal(err)
	}
	e.clk.advance(time.Second)
	rot, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", Mutation: yes})
	if err != nil || rot.Secret == "" || rot.Sealed {
		t.Fatalf("a hash-only key still shows its secret once: %v %+v", err, rot)
	}
	_, err = e.local.ShowKey(e.ctx, api.KeyRequest{Ref: "zap"})
	wantKind(t, err, domain.KindConflict)
	if !strings.Contains(err.Error(), "key_retrieval is off") {
		t.Fatalf("show explains why: %q", err)
	}
	// The older key was sealed while retrieval was on and can still be shown.
	if k, err := e.local.ShowKey(e.ctx, api.KeyRequest{Ref: "zap", Secondary: true}); err != nil || k.Secret != secret {
		t.Fatalf("secondary: %v", err)
	}
	e.st.Close()
	// No secret in clear anywhere in the database files or the audit log.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(e.db + suffix)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{secret, rot.Secret} {
			if bytes.Contains(b, []byte(s)) || bytes.Contains(b, []byte(s[4:])) {
				t.Fatalf("a secret is in clear in sactl.db%s", suffix)
			}
		}
	}
	fi, err := os.Stat(e.db)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("database mode = %v, want 0600", fi.Mode().Perm())
	}
	mk, err := os.Stat(e.db + ".masterkey")
	if err != nil || mk.Mode().Perm() != 0o600 {
		t.Fatalf("master key file mode = %v (%v), want 0600", mk.Mode().Perm(), err)
	}
}

func TestAuditEventsHoldNoSecret(t *testing.T) { // R-AUD-1
	e := newEnv(t)
	_, s1 := e.createWithKey("Zap", "admins")
	k, err1 := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap"})
	shown, err2 := e.local.ShowKey(e.ctx, api.KeyRequest{Ref: "zap"})
	tok, err3 := e.local.MintToken(e.ctx, api.MintTokenRequest{})
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	all, _ := json.Marshal(e.events(domain.AuditFilter{}))
	for _, s := range []string{s1, k.Secret, shown.Secret, tok.Token} {
		if bytes.Contains(all, []byte(s)) {
			t.Fatal("an audit event holds a secret")
		}
	}
	for _, want := range []string{"key.created", "key.rotated", "key.revealed", "token.minted"} {
		if !bytes.Contains(all, []byte(want)) {
			t.Fatalf("no %s event", want)
		}
	}
}

func TestServiceAccountCannotManageItsOwnKeys(t *testing.T) { // R-KEY-11
	e := newEnv(t)
	e.createGroup("editors", "service_accounts=edit")
	e.createWithKey("Editor", "editors")
	e.createWithKey("Other", "editors")
	self := e.as("editor")
	_, err := self.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "editor", Mutation: yes})
	wantKind(t, err, domain.KindForbidden)
	_, err = self.CreateKey(e.ctx, api.CreateKeyRequest{Ref: "editor", Name: "mine"})
	wantKind(t, err, domain.KindForbidden)
	_, err = self.ShowKey(e.ctx, api.KeyRequest{Ref: "editor"})
	wantKind(t, err, domain.KindForbidden)
	if _, err := self.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "other", Mutation: yes}); err != nil {
		t.Fatalf("it may rotate another account's keys: %v", err)
	}
	// view may list and reveal the keys of an account no stronger than
	// itself (R-PERM-4, R-PERM-9), but not change them.
	e.createGroup("viewers", "service_accounts=view")
	e.createWithKey("Viewer", "viewers")
	e.createWithKey("Peer", "viewers")
	if _, err := e.as("viewer").ShowKey(e.ctx, api.KeyRequest{Ref: "peer"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.as("viewer").ShowKey(e.ctx, api.KeyRequest{Ref: "other"})
	wantKind(t, err, domain.KindForbidden)
	_, err = e.as("viewer").RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "peer", Mutation: yes})
	wantKind(t, err, domain.KindForbidden)
}

func TestDeleteKeyRules(t *testing.T) { // R-KEY-6
	e := newEnv(t)
	e.createWithKey("Zap", "admins")
	_, err := e.local.DeleteKey(e.ctx, api.KeyRequest{Ref: "zap", Secondary: true, Mutation: yes})
	wantKind(t, err, domain.KindNotFound)
	e.clk.advance(time.Second)
	e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap"})
	ks := e.keys("zap")
	_, err = e.local.DeleteKey(e.ctx, api.KeyRequest{Ref: "zap", KeyID: ks[1].ID, Mutation: yes})
	wantKind(t, err, domain.KindConflict) // the primary, while a secondary exists
	_, err = e.local.DeleteKey(e.ctx, api.KeyRequest{Ref: "zap", Secondary: true})
	wantKind(t, err, domain.KindNeedsConfirm)
	if _, err := e.local.DeleteKey(e.ctx, api.KeyRequest{Ref: "zap", Secondary: true, Mutation: yes}); err != nil {
		t.Fatal(err)
	}
	if ks := e.keys("zap"); len(ks) != 1 || ks[0].Role != domain.RolePrimary {
		t.Fatalf("%+v", ks)
	}
	_, err = e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "automation"})
	wantKind(t, err, domain.KindProtected)
}

func TestSignedTokens(t *testing.T) { // R-TOK-1..3
	e := newEnv(t)
	tok, err := e.local.MintToken(e.ctx, api.MintTokenRequest{TTL: 10 * time.Minute, Execution: "run-42"})
	if err != nil || !strings.HasPrefix(tok.Token, "sat_") || tok.Account != "automation" {
		t.Fatalf("%v %+v", err, tok)
	}
	v := e.verify(e.local, tok.Token)
	if !v.Active || v.Principal.AccountType != domain.TypeAutomation || v.Credential.Type != domain.CredentialSignedToken ||
		v.Permissions[domain.PermServiceAccounts] != domain.LevelRemove {
		t.Fatalf("%+v", v)
	}
	// Tampered: a well-formed payload with other claims (a later expiry)
	// under the original signature fails the HMAC, not the parser.
	claims, err := keys.ParseTokenUnverified(tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	claims.Expiry += 60
	payload, _ := json.Marshal(claims)
	_, sig, _ := strings.Cut(tok.Token, ".")
	forged := keys.TokenPrefix + base64.RawURLEncoding.EncodeToString(payload) + "." + sig
	if v := e.verify(e.local, forged); v.Active || v.Reason != domain.ReasonBadSignature {
		t.Fatalf("a tampered token: %+v, want rejected for its signature", v)
	}
	// Another business does not accept it.
	if _, err := e.local.CreateBusiness(e.ctx, api.CreateBusinessRequest{Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	acme := New(e.st, LocalActor("tester"), "acme", WithClock(e.clk.now), WithMasterKey(e.mk))
	if v := e.verify(acme, tok.Token); v.Active {
		t.Fatal("a token verifies in another business")
	}
	// Rotating the signing key keeps old tokens valid until they expire.
	if _, err := e.local.RotateSigningKey(e.ctx, api.Mutation{}); err != nil {
		t.Fatal(err)
	}
	if !e.verify(e.local, tok.Token).Active {
		t.Fatal("a token signed before the rotation stops verifying")
	}
	tok2, _ := e.local.MintToken(e.ctx, api.MintTokenRequest{TTL: time.Hour})
	e.clk.advance(10*time.Minute + time.Second)
	if v := e.verify(e.local, tok.Token); v.Active || v.Reason != domain.ReasonExpired {
		t.Fatalf("after its TTL: %+v", v)
	}
	if !e.verify(e.local, tok2.Token).Active {
		t.Fatal("the new key's token verifies")
	}
	_, err = e.local.MintToken(e.ctx, api.MintTokenRequest{TTL: 2 * time.Hour})
	wantKind(t, err, domain.KindInvalid)
	// A principal short of every sactl permission cannot mint.
	e.createGroup("editors", "service_accounts=edit")
	e.createWithKey("Editor", "editors")
	_, err = e.as("editor").MintToken(e.ctx, api.MintTokenRequest{})
	wantKind(t, err, domain.KindForbidden)
}

func TestVerificationIsStatelessForTokens(t *testing.T) { // R-TOK-3
	e := newEnv(t)
	tok, _ := e.local.MintToken(e.ctx, api.MintTokenRequest{})
	before := len(e.events(domain.AuditFilter{}))
	for i := 0; i < 3; i++ {
		e.verify(e.local, tok.Token)
	}
	if len(e.events(domain.AuditFilter{})) != before {
		t.Fatal("token verification wrote")
	}
}

func TestConcurrentRotations(t *testing.T) { // R-DB-3, R-KEY-4
	e := newEnv(t)
	e.createWithKey("Zap", "admins")
	if _, err := e.local.SetSetting(e.ctx, api.SetSettingRequest{Key: "max_keys_per_account", Value: "3"}); err != nil {
		t.Fatal(err)
	}
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each rotation through its own pool, as separate processes would.
			st, err := openDB(context.Background(), e.db)
			if err != nil {
				errs <- err
				return
			}
			defer st.Close()
			s := New(st, LocalActor("tester"), "", WithMasterKey(e.mk))
			_, err = s.RotateKeys(context.Background(), api.RotateKeyRequest{Ref: "zap", Mutation: yes})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if ks := e.keys("zap"); len(ks) != 3 {
		t.Fatalf("after 16 concurrent rotations the account holds %d keys, want 3", len(ks))
	}
	if got := len(e.events(domain.AuditFilter{Action: "key.rotated"})); got != n {
		t.Fatalf("%d key.rotated events, want %d", got, n)
	}
}

// TestVerificationNeverWaitsForAWriter: with another process holding the
// write lock, a key whose last use is due verifies at once; its use is
// written by a later flush (R-KEY-9).
func TestVerificationNeverWaitsForAWriter(t *testing.T) {
	storetest.SQLiteOnly(t) // reads the database file itself
	e := newEnv(t)
	_, secret := e.createWithKey("Zap", "admins")
	db, err := sql.Open("sqlite", e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(e.ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	v := e.verify(e.local, secret)
	if !v.Active {
		t.Fatalf("verification under a held write lock: %+v", v)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("verification waited %s for the writer", d)
	}
	if e.usage.Pending() != 1 {
		t.Fatal("the use is noted, to be written later")
	}
	// A flush while the lock is held fails and keeps the use for later.
	ctx, cancel := context.WithTimeout(e.ctx, 200*time.Millisecond)
	defer cancel()
	if err := e.usage.Flush(ctx); err == nil {
		t.Fatal("a flush under a held write lock cannot succeed")
	}
	if e.usage.Pending() != 1 {
		t.Fatal("a failed flush keeps what it could not write")
	}
	if _, err := conn.ExecContext(e.ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if got := e.keys("zap")[0].LastUsedAt; got == nil || !got.Equal(e.clk.now()) {
		t.Fatalf("written once the lock is free: %v", got)
	}
}
