package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

type completer func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)

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
		return groupNames(c, f, prefix, args[1:]), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteGroups completes group names, skipping ones already given.
func CompleteGroups(f *Factory) completer {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return groupNames(c, f, prefix, args), cobra.ShellCompDirectiveNoFileComp
	}
}

func accountNames(c *cobra.Command, f *Factory, prefix string) []string {
	backend, err := f.Backend(c.Context())
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

func groupNames(c *cobra.Command, f *Factory, prefix string, skip []string) []string {
	backend, err := f.Backend(c.Context())
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
		if !g.Protected && !given[g.Name] && strings.HasPrefix(g.Name, prefix) {
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
		backend, err := f.Backend(c.Context())
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
	backend, err := f.Backend(c.Context())
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
