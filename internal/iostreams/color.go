package iostreams

// ColorScheme wraps strings in ANSI colour codes when colour is enabled and
// returns them unchanged otherwise. Obtain one with IOStreams.ColorScheme.
type ColorScheme struct {
	enabled bool
}

func (c *ColorScheme) wrap(code, s string) string {
	if !c.enabled || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Bold renders s in bold.
func (c *ColorScheme) Bold(s string) string { return c.wrap("1", s) }

// Yellow renders s in yellow (warnings).
func (c *ColorScheme) Yellow(s string) string { return c.wrap("33", s) }

// WarningIcon returns a yellow exclamation mark.
func (c *ColorScheme) WarningIcon() string { return c.Yellow("!") }
