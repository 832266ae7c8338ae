package iostreams

// ColorScheme wraps strings in ANSI colour codes when colour is enabled and
// returns them unchanged otherwise. Obtain one with IOStreams.ColorScheme.
type ColorScheme struct {
	enabled bool
}

// NewColorScheme returns a ColorScheme that colours only when enabled is true.
func NewColorScheme(enabled bool) *ColorScheme {
	return &ColorScheme{enabled: enabled}
}

// Enabled reports whether the scheme emits ANSI codes.
func (c *ColorScheme) Enabled() bool { return c.enabled }

func (c *ColorScheme) wrap(code, s string) string {
	if !c.enabled || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Bold renders s in bold.
func (c *ColorScheme) Bold(s string) string { return c.wrap("1", s) }

// Red renders s in red (errors, failures).
func (c *ColorScheme) Red(s string) string { return c.wrap("31", s) }

// Green renders s in green (success).
func (c *ColorScheme) Green(s string) string { return c.wrap("32", s) }

// Yellow renders s in yellow (warnings).
func (c *ColorScheme) Yellow(s string) string { return c.wrap("33", s) }

// Blue renders s in blue.
func (c *ColorScheme) Blue(s string) string { return c.wrap("34", s) }

// Cyan renders s in cyan.
func (c *ColorScheme) Cyan(s string) string { return c.wrap("36", s) }

// Gray renders s in gray (secondary information).
func (c *ColorScheme) Gray(s string) string { return c.wrap("90", s) }

// SuccessIcon returns a green check mark.
func (c *ColorScheme) SuccessIcon() string { return c.Green("✓") }

// WarningIcon returns a yellow exclamation mark.
func (c *ColorScheme) WarningIcon() string { return c.Yellow("!") }

// FailureIcon returns a red cross.
func (c *ColorScheme) FailureIcon() string { return c.Red("X") }
