package cmdutil

import (
	"context"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/config"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store/dsn"
)

type completer func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)

// completionBackend is the backend completion asks, but never one that
// would create a database: with no database file yet there is nothing to
// offer (R-CLI-9). Errors make completion offer nothing, silently.
func (f *Factory) completionBackend(ctx context.Context) (api.API, error) {
	cfg, local, err := f.mode()
	if err != nil {
		return nil, err
	}
	if !local {
		if _, p, err := config.Select(cfg, f.Profile, f.Getenv); err != nil || p.Server != "" {
			return f.Backend(ctx) // a server: nothing is created
		}
	}
	db, err := f.DatabasePath()
	if err != nil {
		return nil, err
	}
	if kind, path, err := dsn.Parse(db); err != nil {
		return nil, err
	} else if kind == dsn.SQLite {
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
	}
	return f.Backend(ctx)
}

// CompleteAccountThenKey completes an account, then the key ids of that
// account (sa keys delete|disable|enable|show).
func CompleteAccountThenKey(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		switch len(args) {
		case 0:
			return accountNames(c, f, prefix), cobra.ShellCompDirectiveNoFileComp
		case 1:
			backend, err := f.completionBackend(c.Context())
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			ks, err := api.All(func(p api.PageRequest) (api.Page[domain.Key], error) {
				return backend.ListKeys(c.Context(), args[0], p)
			})
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []string
			for _, k := range ks {
				if strings.HasPrefix(k.ID, prefix) {
					out = append(out, k.ID+"\t"+string(k.Role)+" "+k.Hint)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteUserThenToken completes a user, then that user's token ids
// (users tokens revoke).
func CompleteUserThenToken(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		switch len(args) {
		case 0:
			return userEmails(c, f, prefix), cobra.ShellCompDirectiveNoFileComp
		case 1:
			backend, err := f.completionBackend(c.Context())
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			ts, err := api.All(func(p api.PageRequest) (api.Page[domain.UserToken], error) {
				return backend.ListUserTokens(c.Context(), args[0], p)
			})
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []string
			for _, t := range ts {
				if strings.HasPrefix(t.ID, prefix) && t.RevokedAt == nil {
					out = append(out, t.ID+"\t"+t.Name)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteUser completes the first argument with users' emails.
func CompleteUser(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return userEmails(c, f, prefix), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteUserThenGroups completes a user, then group names.
func CompleteUserThenGroups(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return userEmails(c, f, prefix), cobra.ShellCompDirectiveNoFileComp
		}
		return groupNames(c, f, prefix, args[1:], false), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteLiveTokens completes the ids of the live minted tokens (sa token
// revoke).
func CompleteLiveTokens(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		backend, err := f.completionBackend(c.Context())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ts, err := api.All(func(p api.PageRequest) (api.Page[domain.TokenRecord], error) {
			return backend.ListTokens(c.Context(), p)
		})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, t := range ts {
			if strings.HasPrefix(t.ID, prefix) && t.RevokedAt == nil {
				out = append(out, t.ID)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteProfiles completes the first argument with profile names from
// the config file (the profile commands).
func CompleteProfiles(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return profileNames(f, prefix, false), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteProfileFlag completes --profile: the profiles, and "local".
func CompleteProfileFlag(f *Factory) completer {
	return func(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return profileNames(f, prefix, true), cobra.ShellCompDirectiveNoFileComp
	}
}

func profileNames(f *Factory, prefix string, withLocal bool) []string {
	path, err := f.ConfigPath()
	if err != nil {
		return nil
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil
	}
	var out []string
	if withLocal && strings.HasPrefix("local", prefix) {
		out = append(out, "local\tthe local database")
	}
	for name, p := range cfg.Profiles {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name+"\t"+p.Server)
		}
	}
	sort.Strings(out)
	return out
}

// CompletePrincipals completes --as: service accounts and users.
func CompletePrincipals(f *Factory) completer {
	return func(c *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return append(accountNames(c, f, prefix), userEmails(c, f, prefix)...), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteBusinesses completes business names, for --business.
func CompleteBusinesses(f *Factory) completer {
	return func(c *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		backend, err := f.completionBackend(c.Context())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		bs, err := api.All(func(p api.PageRequest) (api.Page[domain.Business], error) {
			return backend.ListBusinesses(c.Context(), p)
		})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, b := range bs {
			if strings.HasPrefix(b.Name, prefix) {
				out = append(out, b.Name)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteGroupFlag completes --group with the groups one may assign.
func CompleteGroupFlag(f *Factory) completer {
	return func(c *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return groupNames(c, f, prefix, nil, false), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteDeletableGroups completes the groups "groups delete" accepts:
// never a built-in one.
func CompleteDeletableGroups(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return groupNames(c, f, prefix, nil, true), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteAccounts completes the first argument with service account api names
// (R-CLI-6), each with its name as the description.
func CompleteAccounts(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return accountNames(c, f, prefix), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteAccountThenGroups completes an account, then group names.
func CompleteAccountThenGroups(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return accountNames(c, f, prefix), cobra.ShellCompDirectiveNoFileComp
		}
		return groupNames(c, f, prefix, args[1:], false), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteGroups completes group names, skipping ones already given.
func CompleteGroups(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return groupNames(c, f, prefix, args, false), cobra.ShellCompDirectiveNoFileComp
	}
}

func accountNames(c *cobra.Command, f *Factory, prefix string) []string {
	backend, err := f.completionBackend(c.Context())
	if err != nil {
		return nil
	}
	accts, err := api.All(func(p api.PageRequest) (api.Page[domain.Account], error) {
		return backend.ListAccounts(c.Context(), api.ListAccountsRequest{PageRequest: p})
	})
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range accts {
		if strings.HasPrefix(a.APIName, prefix) {
			out = append(out, a.APIName+"\t"+a.Name)
		}
	}
	return out
}

// groupNames are the groups one may assign (never the protected one),
// without those already given; deletable leaves the built-ins out too.
func groupNames(c *cobra.Command, f *Factory, prefix string, skip []string, deletable bool) []string {
	backend, err := f.completionBackend(c.Context())
	if err != nil {
		return nil
	}
	gs, err := api.All(func(p api.PageRequest) (api.Page[domain.Group], error) {
		return backend.ListGroups(c.Context(), p)
	})
	if err != nil {
		return nil
	}
	given := map[string]bool{}
	for _, s := range skip {
		given[s] = true
	}
	var out []string
	for _, g := range gs {
		if !g.Protected && !(deletable && g.Builtin) && !given[g.Name] && strings.HasPrefix(g.Name, prefix) {
			out = append(out, g.Name+"\t"+g.Description)
		}
	}
	return out
}

// CompleteAccountThenUser completes an account, then a user's email (sa
// admins add|remove).
func CompleteAccountThenUser(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		switch len(args) {
		case 0:
			return accountNames(c, f, prefix), cobra.ShellCompDirectiveNoFileComp
		case 1:
			return userEmails(c, f, prefix), cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteUsers completes a user's email, for a flag.
func CompleteUsers(f *Factory) completer {
	return func(c *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return userEmails(c, f, prefix), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteAPIKeys completes the first argument with API-key accounts.
func CompleteAPIKeys(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		backend, err := f.completionBackend(c.Context())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ks, err := api.All(func(p api.PageRequest) (api.Page[api.APIKey], error) { return backend.ListAPIKeys(c.Context(), p) })
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, k := range ks {
			if strings.HasPrefix(k.APIName, prefix) {
				out = append(out, k.APIName+"\t"+k.Name)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func userEmails(c *cobra.Command, f *Factory, prefix string) []string {
	backend, err := f.completionBackend(c.Context())
	if err != nil {
		return nil
	}
	us, err := api.All(func(p api.PageRequest) (api.Page[domain.User], error) {
		return backend.ListUsers(c.Context(), api.ListUsersRequest{PageRequest: p})
	})
	if err != nil {
		return nil
	}
	var out []string
	for _, u := range us {
		if strings.HasPrefix(u.Email, prefix) {
			out = append(out, u.Email+"\t"+u.Name)
		}
	}
	return out
}
