package service

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

// R-CLI-2: the confirmation binds to what was shown. A needs-confirmation
// answer carries the digest of its plan; a call confirmed with that digest
// goes ahead only while the plan is the same, else it is a conflict that
// changes nothing.

var digestRE = regexp.MustCompile(`^[0-9a-f]{16}$`)

// plan returns the confirmation a needs-confirmation error carries.
func plan(t *testing.T, err error) domain.Confirmation {
	t.Helper()
	wantKind(t, err, domain.KindNeedsConfirm)
	var de *domain.Error
	asDomain(err, &de)
	if de.Confirm == nil || !digestRE.MatchString(de.Confirm.Digest) {
		t.Fatalf("a confirmation carries the digest of its plan (16 hex digits), got %+v", de.Confirm)
	}
	return *de.Confirm
}

// confirmedBy is the mutation of a caller that was shown c and agreed.
func confirmedBy(c domain.Confirmation) api.Mutation { return api.Mutation{PlanDigest: c.Digest} }

func wantPlanChanged(t *testing.T, err error) *domain.Error {
	t.Helper()
	wantKind(t, err, domain.KindConflict)
	if !strings.Contains(err.Error(), "changed since you confirmed; nothing was changed") {
		t.Fatalf("a changed plan says so: %q", err)
	}
	var de *domain.Error
	asDomain(err, &de)
	return de
}

func idsOf(ks []domain.Key) string {
	var ids []string
	for _, k := range ks {
		ids = append(ids, k.ID)
	}
	return strings.Join(ids, ",")
}

func TestRotationConfirmedForAnotherPlanChangesNothing(t *testing.T) { // R-CLI-2, R-KEY-4
	e := newEnv(t)
	e.createWithKey("Zap", "admins")
	e.clk.advance(time.Second)
	if _, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap"})
	shown := plan(t, err)
	// Asking again without a change gives the same plan, digest included.
	_, err = e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap"})
	if again := plan(t, err); again.Digest != shown.Digest {
		t.Fatalf("the same plan has one digest: %s, then %s", shown.Digest, again.Digest)
	}

	// Meanwhile another operator rotates: now a different key would go.
	e.clk.advance(time.Second)
	if _, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", Mutation: yes}); err != nil {
		t.Fatal(err)
	}
	before := idsOf(e.keys("zap"))
	events := len(e.events(domain.AuditFilter{}))

	_, err = e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", Mutation: confirmedBy(shown)})
	de := wantPlanChanged(t, err)
	if got := idsOf(e.keys("zap")); got != before {
		t.Fatalf("a refused confirmation changed the keys: %s, want %s", got, before)
	}
	if n := len(e.events(domain.AuditFilter{})); n != events {
		t.Fatalf("a refused confirmation wrote %d audit events", n-events)
	}
	// The conflict carries the plan as it is now, so a caller can show it.
	if de.Confirm == nil || de.Confirm.Digest == shown.Digest || !digestRE.MatchString(de.Confirm.Digest) {
		t.Fatalf("the conflict carries the new plan with its own digest: %+v", de.Confirm)
	}
	if strings.Join(de.Confirm.Consequences, ";") == strings.Join(shown.Consequences, ";") {
		t.Fatalf("the new plan names the key that would go now: %v", de.Confirm.Consequences)
	}

	// Confirming the plan as it is now goes ahead.
	e.clk.advance(time.Second)
	k, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", Mutation: confirmedBy(*de.Confirm)})
	if err != nil || k.Role != domain.RolePrimary {
		t.Fatalf("confirming the current plan: %v %+v", err, k)
	}
	if ks := e.keys("zap"); len(ks) != 2 || ks[1].ID != k.ID {
		t.Fatalf("after the confirmed rotation: %+v", ks)
	}
}

func TestSameWordsOtherKeysIsAnotherPlan(t *testing.T) { // R-CLI-2, R-SA-8
	// Archiving says "2 keys will be deleted" before and after a rotation,
	// but they are not the same keys: the digest covers what is deleted.
	e := newEnv(t)
	e.createWithKey("Zap", "admins")
	e.clk.advance(time.Second)
	if _, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.local.ArchiveAccount(e.ctx, "zap", api.Mutation{})
	shown := plan(t, err)
	e.clk.advance(time.Second)
	if _, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", Mutation: yes}); err != nil {
		t.Fatal(err)
	}
	_, err = e.local.ArchiveAccount(e.ctx, "zap", confirmedBy(shown))
	de := wantPlanChanged(t, err)
	if de.Confirm == nil || strings.Join(de.Confirm.Consequences, ";") != strings.Join(shown.Consequences, ";") {
		t.Fatalf("the words are the same, the plan is not: %+v", de.Confirm)
	}
	if e.get("zap").Status != domain.StatusActive || len(e.keys("zap")) != 2 {
		t.Fatal("a refused archive changed the account")
	}
	// The plan as it is now confirms.
	_, err = e.local.ArchiveAccount(e.ctx, "zap", api.Mutation{})
	shown = plan(t, err)
	if _, err := e.local.ArchiveAccount(e.ctx, "zap", confirmedBy(shown)); err != nil {
		t.Fatalf("confirming the plan shown: %v", err)
	}
}

func TestPlanThatNoLongerNeedsConfirmation(t *testing.T) { // R-CLI-2
	// The operator agreed to a rotation that deletes a key; meanwhile that
	// key was deleted, so the rotation would now delete nothing. That is not
	// the plan shown either: nothing happens, not even the new key.
	e := newEnv(t)
	e.createWithKey("Zap", "admins")
	e.clk.advance(time.Second)
	if _, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap"})
	shown := plan(t, err)
	if _, err := e.local.DeleteKey(e.ctx, api.KeyRequest{Ref: "zap", Secondary: true, Mutation: yes}); err != nil {
		t.Fatal(err)
	}
	before := idsOf(e.keys("zap"))
	_, err = e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", Mutation: confirmedBy(shown)})
	wantPlanChanged(t, err)
	if got := idsOf(e.keys("zap")); got != before {
		t.Fatalf("a refused confirmation changed the keys: %s, want %s", got, before)
	}

	// Archived meanwhile by someone else: the confirmed archive is refused
	// rather than reported as done by this caller.
	_, err = e.local.ArchiveAccount(e.ctx, "zap", api.Mutation{})
	shown = plan(t, err)
	if _, err := e.local.ArchiveAccount(e.ctx, "zap", yes); err != nil {
		t.Fatal(err)
	}
	_, err = e.local.ArchiveAccount(e.ctx, "zap", confirmedBy(shown))
	wantPlanChanged(t, err)
}

func TestBlindConfirmationAndBadDigests(t *testing.T) { // R-CLI-2
	e := newEnv(t)
	e.createWithKey("Zap", "admins")
	_, err := e.local.SuspendAccount(e.ctx, "zap", api.Mutation{})
	shown := plan(t, err)
	// A digest that is not one is invalid input, whatever the call.
	for _, bad := range []string{"yes", strings.ToUpper(shown.Digest), shown.Digest + "0", "not-a-digest"} {
		_, err := e.local.SuspendAccount(e.ctx, "zap", api.Mutation{PlanDigest: bad})
		wantKind(t, err, domain.KindInvalid)
		if strings.Contains(err.Error(), bad) {
			t.Fatalf("the message does not echo the value: %q", err)
		}
	}
	// A well-formed digest of another plan is a changed plan.
	_, err = e.local.SuspendAccount(e.ctx, "zap", api.Mutation{PlanDigest: "0123456789abcdef"})
	wantPlanChanged(t, err)
	if e.get("zap").Status != domain.StatusActive {
		t.Fatal("a refused suspend changed the account")
	}
	// --yes agrees to whatever the plan is when the call runs.
	if _, err := e.local.SuspendAccount(e.ctx, "zap", yes); err != nil {
		t.Fatal(err)
	}
}

func TestEveryConfirmationHasADigestThatConfirms(t *testing.T) { // R-CLI-2
	e := newEnv(t)
	e.createWithKey("Zap", "admins")
	e.createWithKey("Old", "admins")
	e.clk.advance(time.Second)
	if _, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap"}); err != nil {
		t.Fatal(err)
	}
	e.createGroup("readers", "service_accounts=view")
	e.createSA("Reader", "readers")
	if _, err := e.local.CreateUser(e.ctx, api.CreateUserRequest{Name: "Ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	utok, err := e.local.CreateUserToken(e.ctx, api.CreateUserTokenRequest{Ref: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	minted := e.mint(10*time.Minute, "")

	digests := map[string]string{}
	for _, step := range []struct {
		name string
		call func(api.Mutation) error
	}{
		{"suspend", func(m api.Mutation) error { _, err := e.local.SuspendAccount(e.ctx, "old", m); return err }},
		{"archive", func(m api.Mutation) error { _, err := e.local.ArchiveAccount(e.ctx, "old", m); return err }},
		{"rotate", func(m api.Mutation) error {
			_, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", Mutation: m})
			return err
		}},
		{"delete key", func(m api.Mutation) error {
			_, err := e.local.DeleteKey(e.ctx, api.KeyRequest{Ref: "zap", Secondary: true, Mutation: m})
			return err
		}},
		{"clear groups", func(m api.Mutation) error {
			_, err := e.local.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "zap", Op: api.GroupsClear, Mutation: m})
			return err
		}},
		{"delete group", func(m api.Mutation) error { _, err := e.local.DeleteGroup(e.ctx, "readers", m); return err }},
		{"revoke user token", func(m api.Mutation) error {
			_, err := e.local.RevokeUserToken(e.ctx, "ada@example.com", utok.ID, m)
			return err
		}},
		{"remove user", func(m api.Mutation) error { _, err := e.local.RemoveUser(e.ctx, "ada@example.com", m); return err }},
		{"revoke token", func(m api.Mutation) error { _, err := e.local.RevokeToken(e.ctx, minted.ID, m); return err }},
	} {
		shown := plan(t, step.call(api.Mutation{}))
		if other, dup := digests[shown.Digest]; dup {
			t.Fatalf("%s and %s have the same digest", other, step.name)
		}
		digests[shown.Digest] = step.name
		if len(shown.Targets) == 0 {
			t.Errorf("%s: the plan names the ids it acts on", step.name)
		}
		if err := step.call(confirmedBy(shown)); err != nil {
			t.Fatalf("%s confirmed with the digest shown: %v", step.name, err)
		}
	}
}

func TestDryRunWithTheDigestShowsTheResult(t *testing.T) { // R-CLI-2
	e := newEnv(t)
	e.createWithKey("Zap", "admins")
	_, err := e.local.ArchiveAccount(e.ctx, "zap", api.Mutation{DryRun: true})
	shown := plan(t, err)
	a, err := e.local.ArchiveAccount(e.ctx, "zap", api.Mutation{DryRun: true, PlanDigest: shown.Digest})
	if err != nil || a.Status != domain.StatusArchived {
		t.Fatalf("a dry run confirmed with its digest shows the would-be result: %v %s", err, a.Status)
	}
	if e.get("zap").Status != domain.StatusActive {
		t.Fatal("dry run archived")
	}
}
