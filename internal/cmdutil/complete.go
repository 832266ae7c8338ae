package cmdutil

import (
	"context"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/config"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store/dsn"
)

// Dynamic completion (R-CLI-6, R-CLI-9): values from the backend in use,
// filtered to what the command accepts, silent on errors, and never a
// database created for it.

type completer func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)

// candidates offers the values of one argument or flag, given the
// arguments typed before it.
type candidates func(c *cobra.Command, f *Factory, args []string, prefix string) []string

// positional completes the n-th argument with the n-th candidates, and
// nothing after the last.
func positional(f *Factory, each ...candidates) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) >= len(each) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return each[len(args)](c, f, args, prefix), cobra.ShellCompDirectiveNoFileComp
	}
}

// flag completes a flag's value with candidates, whatever was typed before.
func flag(f *Factory, each candidates) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return each(c, f, args, prefix), cobra.ShellCompDirectiveNoFileComp
	}
}

// completionBackend is the backend completion asks, but never one that
// would create a database: with no database file yet there is nothing to
// offer (R-CLI-9).
func (f *Factory) completionBackend(ctx context.Context) (api.API, error) {
	if _, server, err := f.selectedServer(); err != nil {
		return nil, err
	} else if server != "" {
		return f.Backend(ctx) // a server: nothing is created
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

// offer reads a whole list from the backend and keeps the items pick
// accepts whose value starts with prefix, each with its description.
func offer[T any](c *cobra.Command, f *Factory, prefix string, list func(api.API, api.PageRequest) (api.Page[T], error),
	pick func(T) (value, desc string, ok bool)) []string {
	backend, err := f.completionBackend(c.Context())
	if err != nil {
		return nil
	}
	items, err := api.All(func(p api.PageRequest) (api.Page[T], error) { return list(backend, p) })
	if err != nil {
		return nil
	}
	var out []string
	for _, x := range items {
		v, desc, ok := pick(x)
		if !ok || !strings.HasPrefix(v, prefix) {
			continue
		}
		out = append(out, described(v, desc))
	}
	return out
}

// described is a candidate with its description, made one line of single
// spaces: a group's description may hold tabs and newlines, which cobra's
// scripts would take for the separators of candidates and descriptions
// (zsh's turns every tab into its ":", bash and fish show them raw).
func described(value, desc string) string {
	if desc = strings.Join(strings.Fields(desc), " "); desc != "" {
		return value + "\t" + desc
	}
	return value
}

// The candidates.

// accounts are the live service accounts, by api name.
func accounts(c *cobra.Command, f *Factory, _ []string, prefix string) []string {
	return offer(c, f, prefix, func(b api.API, p api.PageRequest) (api.Page[domain.Account], error) {
		return b.ListAccounts(c.Context(), api.ListAccountsRequest{PageRequest: p})
	}, func(a domain.Account) (string, string, bool) { return a.APIName, a.Name, true })
}

// groupsExcept are the groups one may assign (never the protected one),
// without those given; deletable leaves the built-ins out too.
func groupsExcept(skip []string, deletable bool) candidates {
	return func(c *cobra.Command, f *Factory, _ []string, prefix string) []string {
		return offer(c, f, prefix, func(b api.API, p api.PageRequest) (api.Page[domain.Group], error) {
			return b.ListGroups(c.Context(), p)
		}, func(g domain.Group) (string, string, bool) {
			return g.Name, g.Description, !g.Protected && !(deletable && g.Builtin) && !slices.Contains(skip, g.Name)
		})
	}
}

// moreGroups are groups after an account or user, without those typed.
func moreGroups(c *cobra.Command, f *Factory, args []string, prefix string) []string {
	return groupsExcept(args[1:], false)(c, f, args, prefix)
}

// users are the live users, by email.
func users(c *cobra.Command, f *Factory, _ []string, prefix string) []string {
	return offer(c, f, prefix, func(b api.API, p api.PageRequest) (api.Page[domain.User], error) {
		return b.ListUsers(c.Context(), api.ListUsersRequest{PageRequest: p})
	}, func(u domain.User) (string, string, bool) { return u.Email, u.Name, true })
}

// keysOfAccount are the key ids of the account typed first.
func keysOfAccount(c *cobra.Command, f *Factory, args []string, prefix string) []string {
	return offer(c, f, prefix, func(b api.API, p api.PageRequest) (api.Page[domain.Key], error) {
		return b.ListKeys(c.Context(), args[0], p)
	}, func(k domain.Key) (string, string, bool) { return k.ID, string(k.Role) + " " + k.Hint, true })
}

// tokensOfUser are the unrevoked token ids of the user typed first.
func tokensOfUser(c *cobra.Command, f *Factory, args []string, prefix string) []string {
	return offer(c, f, prefix, func(b api.API, p api.PageRequest) (api.Page[domain.UserToken], error) {
		return b.ListUserTokens(c.Context(), args[0], p)
	}, func(t domain.UserToken) (string, string, bool) { return t.ID, t.Name, t.RevokedAt == nil })
}

// liveTokens are the ids of the minted tokens not revoked.
func liveTokens(c *cobra.Command, f *Factory, _ []string, prefix string) []string {
	return offer(c, f, prefix, func(b api.API, p api.PageRequest) (api.Page[domain.TokenRecord], error) {
		return b.ListTokens(c.Context(), p)
	}, func(t domain.TokenRecord) (string, string, bool) { return t.ID, "", t.RevokedAt == nil })
}

// apiKeys are the live API-key accounts, by api name.
func apiKeys(c *cobra.Command, f *Factory, _ []string, prefix string) []string {
	return offer(c, f, prefix, func(b api.API, p api.PageRequest) (api.Page[api.APIKey], error) {
		return b.ListAPIKeys(c.Context(), p)
	}, func(k api.APIKey) (string, string, bool) { return k.APIName, k.Name, true })
}

// businesses are the businesses, by name.
func businesses(c *cobra.Command, f *Factory, _ []string, prefix string) []string {
	return offer(c, f, prefix, func(b api.API, p api.PageRequest) (api.Page[domain.Business], error) {
		return b.ListBusinesses(c.Context(), p)
	}, func(b domain.Business) (string, string, bool) { return b.Name, "", true })
}

// profiles are the config file's profiles (and "local", withLocal).
func profiles(withLocal bool) candidates {
	return func(_ *cobra.Command, f *Factory, _ []string, prefix string) []string {
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
				out = append(out, described(name, p.Server))
			}
		}
		sort.Strings(out)
		return out
	}
}

// The completers commands register.

// CompleteAccounts completes the first argument with service accounts'
// api names, each with its name as the description.
func CompleteAccounts(f *Factory) completer { return positional(f, accounts) }

// CompleteAccountThenGroups completes an account, then group names.
func CompleteAccountThenGroups(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return accounts(c, f, args, prefix), cobra.ShellCompDirectiveNoFileComp
		}
		return moreGroups(c, f, args, prefix), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteUserThenGroups completes a user, then group names.
func CompleteUserThenGroups(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return users(c, f, args, prefix), cobra.ShellCompDirectiveNoFileComp
		}
		return moreGroups(c, f, args, prefix), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteGroups completes group names, skipping ones already given.
func CompleteGroups(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return groupsExcept(args, false)(c, f, args, prefix), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteDeletableGroups completes the group "groups delete" accepts:
// never a built-in one.
func CompleteDeletableGroups(f *Factory) completer { return positional(f, groupsExcept(nil, true)) }

// CompleteGroupFlag completes --group with the groups one may assign.
func CompleteGroupFlag(f *Factory) completer { return flag(f, groupsExcept(nil, false)) }

// CompleteAccountThenKey completes an account, then its key ids.
func CompleteAccountThenKey(f *Factory) completer { return positional(f, accounts, keysOfAccount) }

// CompleteAccountThenUser completes an account, then a user (sa admins).
func CompleteAccountThenUser(f *Factory) completer { return positional(f, accounts, users) }

// CompleteUser completes the first argument with users' emails.
func CompleteUser(f *Factory) completer { return positional(f, users) }

// CompleteUsers completes a flag with users' emails.
func CompleteUsers(f *Factory) completer { return flag(f, users) }

// CompleteUserThenToken completes a user, then its token ids.
func CompleteUserThenToken(f *Factory) completer { return positional(f, users, tokensOfUser) }

// CompleteLiveTokens completes the ids of the live minted tokens.
func CompleteLiveTokens(f *Factory) completer { return positional(f, liveTokens) }

// CompleteAPIKeys completes the first argument with API-key accounts.
func CompleteAPIKeys(f *Factory) completer { return positional(f, apiKeys) }

// CompleteProfiles completes the first argument with profile names.
func CompleteProfiles(f *Factory) completer { return positional(f, profiles(false)) }

// CompleteProfileFlag completes --profile: the profiles, and "local".
func CompleteProfileFlag(f *Factory) completer { return flag(f, profiles(true)) }

// CompleteBusinesses completes --business.
func CompleteBusinesses(f *Factory) completer { return flag(f, businesses) }

// CompletePrincipals completes --as: service accounts and users.
func CompletePrincipals(f *Factory) completer {
	return flag(f, func(c *cobra.Command, f *Factory, args []string, prefix string) []string {
		return append(accounts(c, f, args, prefix), users(c, f, args, prefix)...)
	})
}

// CompleteAuditActions completes --action: each family of actions as the
// prefix --action accepts ("key."), then every action (R-AUD-1) — a fixed
// list, so it needs no backend.
func CompleteAuditActions(f *Factory) completer {
	return flag(f, func(_ *cobra.Command, _ *Factory, _ []string, prefix string) []string {
		var out []string
		for i, a := range domain.AuditActions {
			family, _, _ := strings.Cut(a, ".")
			family += "."
			if (i == 0 || !strings.HasPrefix(domain.AuditActions[i-1], family)) && strings.HasPrefix(family, prefix) && family != prefix {
				out = append(out, described(family, "every "+family+"* action"))
			}
			if strings.HasPrefix(a, prefix) {
				out = append(out, a)
			}
		}
		return out
	})
}
