package service

import (
	"context"
	"slices"
	"strings"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

// Authenticated is R-SRV-2's rule for a credential presented to the
// server: nil when the verification authenticates, else why not, as an
// error that says it (never the credential): forbidden for an account that
// is not active (the credential is right, its owner may not act), else
// unauthenticated. Every route's authentication and the forward-auth
// check (R-SRV-8) answer by it.
func Authenticated(v domain.Verification) error {
	if v.Active {
		return nil
	}
	if v.Reason == domain.ReasonAccountNotActive {
		return domain.Forbiddenf("%s", v.Explain())
	}
	return domain.Unauthenticatedf("%s", v.Explain())
}

// InBusiness is the check a caller asks for by naming a business
// (X-Sactl-Business): the authenticated credential must belong to it.
// Empty asks nothing.
func InBusiness(v domain.Verification, want string) error {
	if want != "" && want != v.Business {
		return domain.Forbiddenf("the credential belongs to business %q, not %s", v.Business, domain.Quote(want))
	}
	return nil
}

// CheckRequest is what a forward-auth check asks about one credential
// (R-SRV-8).
type CheckRequest struct {
	Credential string
	// Require are the permissions the credential's principal must hold, at
	// least at these levels.
	Require domain.Permissions
	// Business, when set, is the business the credential must belong to.
	Business string
}

// Check is R-SRV-8's decision, for a proxy that asks whether to let a
// request through: the credential authenticates (Authenticated), belongs
// to the business asked for, and its principal holds every required
// permission. It answers about the credential presented, as any
// authenticated call does, so it needs no permission of its own; it is
// meant for the authenticating service (NewAuthenticator), which accepts a
// credential of any business.
//
// The verification comes from the verification cache (P-2, never stale:
// P-3) and is returned whatever the answer, so that the caller can tell a
// credential that failed to authenticate (v.Active false: counted against
// the sender, R-SRV-4) from a valid one refused for what it lacks.
func (s *Service) Check(ctx context.Context, req CheckRequest) (domain.Verification, error) {
	v, err := s.Verify(ctx, req.Credential)
	if err != nil {
		return v, err
	}
	if err := Authenticated(v); err != nil {
		return v, err
	}
	if err := InBusiness(v, req.Business); err != nil {
		return v, err
	}
	if missing := v.Permissions.Missing(req.Require); len(missing) > 0 {
		parts := make([]string, len(missing))
		for i, k := range missing {
			parts[i] = k + "=" + req.Require[k].String() + " (holds " + v.Permissions[k].String() + ")"
		}
		return v, domain.Forbiddenf("%s lacks %s", principalWords(v), strings.Join(parts, ", "))
	}
	return v, nil
}

func principalWords(v domain.Verification) string {
	if v.Principal == nil {
		return "the credential"
	}
	if v.Principal.AccountType.IsService() {
		return "service account " + domain.Quote(v.Principal.Handle())
	}
	return "user " + domain.Quote(v.Principal.Handle())
}

// Kubernetes webhook token authentication (R-SRV-9).
const (
	// K8sPrefix starts every username and group name sactl hands a
	// Kubernetes cluster, so that RBAC bindings name sactl's principals
	// apart from the cluster's own.
	K8sPrefix = "sactl:"
	// K8sPermissionsExtra and K8sBusinessExtra are the keys of the user's
	// extra information: its permissions as key=level, and its business.
	K8sPermissionsExtra = "sactl.dev/permissions"
	K8sBusinessExtra    = "sactl.dev/business"
)

// ReviewToken answers a Kubernetes TokenReview (R-SRV-9) about token: the
// status of the review. It is a verification (R-SRV-3) in another shape,
// so it needs what introspection needs (R-PERM-10): the caller (the
// cluster's API server, authenticated with a sactl credential) holds
// introspection=view, and a credential of another business than the
// caller's is not authenticated, told as unknown.
//
// An authenticated user is named sactl:<business>:<handle> (a service
// account's api_name, a user's email), its uid is the principal's id, its
// groups are its permission groups as sactl:<group>, and its extra
// information holds its permissions and business.
//
// sactl credentials are not bound to audiences: the status names none,
// which is Kubernetes' way of saying the token is valid for the audience
// of the API server that asked (its --api-audiences), and only for that:
// a caller asking about other audiences is told nothing it could mistake
// for them.
func (s *Service) ReviewToken(ctx context.Context, spec api.TokenReviewSpec) (api.TokenReviewStatus, error) {
	var st api.TokenReviewStatus
	if spec.Token == "" {
		return st, domain.Invalidf("give the credential to review as spec.token")
	}
	v, err := s.Verify(ctx, spec.Token)
	if err != nil {
		return st, err
	}
	if !v.Active {
		st.Error = v.Explain()
		return st, nil
	}
	var groups []string
	err = s.readNow(ctx, func(t *txn) error {
		gs, err := t.GroupsOf(v.Principal.ID)
		for _, g := range gs {
			groups = append(groups, K8sPrefix+g.Name)
		}
		return err
	})
	if err != nil {
		return st, err
	}
	slices.Sort(groups)
	granted := v.Permissions.Granted()
	perms := make([]string, 0, len(granted))
	for _, k := range granted.Keys() {
		perms = append(perms, k+"="+granted[k].String())
	}
	st.Authenticated = true
	st.User = &api.TokenReviewUser{
		Username: K8sPrefix + v.Business + ":" + v.Principal.Handle(),
		UID:      v.Principal.ID,
		Groups:   groups,
		Extra:    map[string][]string{K8sPermissionsExtra: perms, K8sBusinessExtra: {v.Business}},
	}
	return st, nil
}
