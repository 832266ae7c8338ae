package cmd_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/store/storetest"
)

// TestShellCompletion drives the real shells with the scripts "sactl
// completion SHELL" prints (R-CLI-6): bash, zsh and fish complete command
// lines against a local database and the config file's profiles, and must
// offer exactly what the command accepts (R-CLI-9): live accounts' api
// names (never an archived one), the groups one may assign, profile names,
// the key ids of the account typed (never another's), and no file names
// where the command takes none. In an empty HOME completion offers nothing
// and creates no database (R-CLI-9).
//
// The completion story (testdata/script/completion.txtar) checks what
// "sactl __complete" prints; this test checks that each shell's script
// turns that into the candidates a user sees, descriptions included:
//
//   - bash: an interactive bash runs in a pseudo-terminal (zsh's zpty
//     module, so this part needs zsh too) with bash-completion and the
//     script loaded; each line is typed followed by TAB, and readline
//     lists the candidates (or inserts the only one, or rings the bell),
//     file names included when the script lets it fall back to them.
//     cobra's script needs the bash-completion package ("sactl completion
//     bash --help" says so).
//   - zsh: an interactive zsh runs in a pseudo-terminal with compinit and
//     the script loaded; each line is typed followed by TAB, and a compadd
//     wrapper prints every match that completion adds, with its display
//     string (the description).
//   - fish: "complete -C LINE" prints the candidates and descriptions.
//
// Every shell runs without the user's startup files (bash --norc
// --noprofile, zsh -f, fish --no-config), in a temporary HOME. A missing
// shell (or bash-completion) skips its part, except under CI=true, where it
// fails naming the Debian package to install. SACTL_TEST_BASH_COMPLETION
// names bash-completion's bash_completion file where it is not in one of
// the usual places.
func TestShellCompletion(t *testing.T) {
	if storetest.OnPostgres() {
		t.Skip("the shells see what \"sactl __complete\" prints, whatever the backend: the completion story covers PostgreSQL")
	}
	w := newCompletionWorld(t)

	// The data the candidates come from, made with sactl itself.
	w.sactl(t, "groups", "create", "readers", "--perm", "deals=view")
	// Tabs and runs of spaces in a description come out as one space
	// (zsh's script would turn a tab into its ":" separator, bash and fish
	// show it raw).
	w.sactl(t, "groups", "create", "writers", "--perm", "deals=edit", "--description", "Writes\tdeals:  all of them")
	w.sactl(t, "sa", "create", "Zapier Sync", "--group", "readers")
	w.sactl(t, "sa", "create", "Zapier Sync EU") // shares zapier-sync's prefix
	w.sactl(t, "sa", "create", "Ops: Nightly")   // a colon in a description (zsh's separator)
	w.sactl(t, "sa", "create", "Old Feed")
	w.sactl(t, "sa", "archive", "old-feed", "--yes")
	w.sactl(t, "sa", "keys", "rotate", "zapier-sync")
	w.sactl(t, "profile", "add", "prod", "--server", "http://127.0.0.1:9", "--token-env", "PROD_TOKEN")
	w.sactl(t, "profile", "add", "staging", "--server", "https://staging.example:7070", "--token-env", "STAGING_TOKEN")
	keys := keyDescriptions(t, w, "zapier-sync")
	euKeys := keyDescriptions(t, w, "zapier-sync-eu")
	if len(keys) != 2 || len(euKeys) != 1 {
		t.Fatalf("want 2 keys of zapier-sync and 1 of zapier-sync-eu, have %v and %v", keys, euKeys)
	}
	// Files a shell would offer if the script let it fall back to file
	// names; "config import" takes a file, so there they must appear.
	for _, name := range []string{"zapier-notes.txt", "prod-notes.txt"} {
		if err := os.WriteFile(filepath.Join(w.cwd, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	live := map[string]string{
		"automation":     "Automation Code Account",
		"zapier-sync":    "Zapier Sync",
		"zapier-sync-eu": "Zapier Sync EU",
		"ops-nightly":    "Ops: Nightly",
	}
	groups := map[string]string{ // never the protected "automation"
		"admins":  "every sactl permission; members can be changed",
		"readers": "",
		"writers": "Writes deals: all of them",
	}
	profiles := map[string]string{"prod": "http://127.0.0.1:9", "staging": "https://staging.example:7070"}
	cases := []completionCase{
		{line: "sactl sa get ", want: live},
		{line: "sactl sa archive ", want: live},
		{line: "sactl sa get zapier-sync", want: pick(live, "zapier-sync", "zapier-sync-eu")},
		{line: "sactl sa get op", want: pick(live, "ops-nightly")},
		{line: "sactl sa get old", want: nil}, // archived
		{line: "sactl sa groups set zapier-sync ", want: groups},
		{line: "sactl sa groups add zapier-sync readers ", want: pick(groups, "admins", "writers")},
		{line: "sactl sa create Feed --group ", want: groups},
		{line: "sactl groups delete ", want: pick(groups, "readers", "writers")},
		{line: "sactl sa keys delete zapier-sync ", want: keys},
		{line: "sactl sa keys disable zapier-sync-eu ", want: euKeys},
		{line: "sactl sa keys show zapier-sync " + firstKey(keys) + " ", want: nil},
		{line: "sactl profile use ", want: profiles},
		{line: "sactl profile use st", want: pick(profiles, "staging")},
		{line: "sactl --profile ", want: merge(profiles, map[string]string{"local": "the local database"})},
		{line: "sactl sa get --profile ", want: merge(profiles, map[string]string{"local": "the local database"})},
		{line: "sactl config import ", want: map[string]string{"prod-notes.txt": "", "zapier-notes.txt": ""}},
	}
	for _, sh := range completionShells {
		t.Run(sh.name, func(t *testing.T) {
			sh := sh.find(t)
			lines := make([]string, len(cases))
			for i, c := range cases {
				lines[i] = c.line
			}
			got := sh.complete(t, w, w.env, lines)
			for _, c := range cases {
				checkCandidates(t, sh, c.line, got[c.line], c.want)
			}
		})
	}

	// An empty HOME, the default database path: nothing to offer, and no
	// database made for completing (R-CLI-9).
	for _, sh := range completionShells {
		t.Run(sh.name+"/empty home", func(t *testing.T) {
			sh := sh.find(t)
			empty := newCompletionWorld(t)
			env := slices.DeleteFunc(slices.Clone(empty.env), func(kv string) bool { return strings.HasPrefix(kv, "SACTL_DB=") })
			got := sh.complete(t, empty, env, []string{"sactl sa get ", "sactl sa keys delete zapier-sync ", "sactl --profile "})
			checkCandidates(t, sh, "sactl sa get ", got["sactl sa get "], nil)
			checkCandidates(t, sh, "sactl sa keys delete zapier-sync ", got["sactl sa keys delete zapier-sync "], nil)
			// Completion did run: "local" needs no database.
			checkCandidates(t, sh, "sactl --profile ", got["sactl --profile "], map[string]string{"local": "the local database"})
			_ = filepath.WalkDir(empty.root, func(path string, d fs.DirEntry, err error) error {
				if err == nil && strings.HasPrefix(d.Name(), "sactl") && path != empty.bin {
					t.Errorf("%s: completing in an empty HOME made %s", sh.name, path)
				}
				return nil
			})
		})
	}
}

// completionCase is a command line, typed up to the cursor, and exactly
// the candidates it must offer, each with its description ("" for none).
type completionCase struct {
	line string
	want map[string]string
}

// candidate is one completion a shell offers.
type candidate struct{ value, desc string }

func (c candidate) String() string { return fmt.Sprintf("%q (%s)", c.value, c.desc) }

// checkCandidates compares what a shell offered for line with want: the
// same values, and each description as sactl gave it where the shell
// shows one.
func checkCandidates(t *testing.T, sh completionShell, line string, got []candidate, want map[string]string) {
	t.Helper()
	var values, wantValues []string
	for _, c := range got {
		values = append(values, c.value)
	}
	for v := range want {
		wantValues = append(wantValues, v)
	}
	sort.Strings(values)
	sort.Strings(wantValues)
	if !slices.Equal(values, wantValues) {
		t.Errorf("%s: %q offers %q, want %q", sh.name, line, values, wantValues)
		return
	}
	for _, c := range got {
		if d := want[c.value]; d != c.desc {
			if c.desc == "" && !sh.describesOne && len(got) == 1 {
				continue // bash inserts a lone candidate, so it shows no description
			}
			t.Errorf("%s: %q offers %q with description %q, want %q", sh.name, line, c.value, c.desc, d)
		}
	}
}

// completionWorld is a temporary HOME with its own config and data
// directories, a database, and sactl on PATH.
type completionWorld struct {
	root string   // everything lives under it
	bin  string   // the sactl on PATH
	cwd  string   // where the shells run
	env  []string // the environment of sactl and the shells
}

func newCompletionWorld(t *testing.T) *completionWorld {
	t.Helper()
	root := t.TempDir()
	w := &completionWorld{root: root, cwd: filepath.Join(root, "cwd")}
	for _, d := range []string{"bin", "home", "config", "data", "cache", "cwd"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary plays sactl when it is called by that name
	// (TestMain), so the shells run the code under test without a build.
	w.bin = filepath.Join(root, "bin", "sactl")
	if err := os.Symlink(exe, w.bin); err != nil {
		t.Skipf("cannot link the test binary as sactl: %v", err)
	}
	w.env = []string{
		"PATH=" + filepath.Join(root, "bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + filepath.Join(root, "home"),
		"XDG_CONFIG_HOME=" + filepath.Join(root, "config"),
		"XDG_DATA_HOME=" + filepath.Join(root, "data"),
		"XDG_CACHE_HOME=" + filepath.Join(root, "cache"),
		"SACTL_DB=" + filepath.Join(root, "sactl.db"),
		"LANG=C.UTF-8", "LC_ALL=C.UTF-8", // key hints hold "…"
		"TERM=xterm", "COLUMNS=200", // wide enough for bash not to cut descriptions
		"NO_COLOR=1",
		"GORACE=atexit_sleep_ms=0",
	}
	if dir := os.Getenv("GOCOVERDIR"); dir != "" {
		w.env = append(w.env, "GOCOVERDIR="+dir)
	}
	return w
}

// sactl runs one command and returns its stdout, failing the test on error.
func (w *completionWorld) sactl(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := exec.Command(w.bin, args...)
	c.Env, c.Dir, c.Stdout, c.Stderr = w.env, w.cwd, &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("sactl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// keyDescriptions are the ids of an account's keys, each with the
// description completion gives it (its role and hint).
func keyDescriptions(t *testing.T, w *completionWorld, account string) map[string]string {
	t.Helper()
	out := w.sactl(t, "sa", "keys", "list", account, "-o", "json", "--jq", `.[] | .id + "\t" + .role + " " + .hint`)
	keys := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		id, desc, _ := strings.Cut(l, "\t")
		keys[id] = desc
	}
	return keys
}

func firstKey(keys map[string]string) string { return slices.Sorted(maps.Keys(keys))[0] }

func pick(m map[string]string, keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

func merge(a, b map[string]string) map[string]string {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

// completionShell is one shell and how to ask it for completions.
type completionShell struct {
	name    string
	pkg     string // the Debian package that installs it
	path    string // found by find
	support string // a file the shell's script needs (bash-completion), found by find
	driver  string // the zsh whose zpty runs bash in a pseudo-terminal, found by find
	// describesOne: a lone candidate still shows its description (bash
	// inserts it instead).
	describesOne bool
	run          func(t *testing.T, sh completionShell, w *completionWorld, env []string, script string, lines []string) string
}

var completionShells = []completionShell{
	{name: "bash", pkg: "bash", run: runBash},
	{name: "zsh", pkg: "zsh", run: runZsh, describesOne: true},
	{name: "fish", pkg: "fish", run: runFish, describesOne: true},
}

// bashCompletionFiles are where the bash-completion package puts the
// library cobra's bash script relies on (Debian, other Linux, Homebrew).
var bashCompletionFiles = []string{
	"/usr/share/bash-completion/bash_completion",
	"/usr/local/share/bash-completion/bash_completion",
	"/opt/homebrew/share/bash-completion/bash_completion",
	"/etc/bash_completion",
}

// find locates the shell (and what its script needs); missing, the test
// is skipped, or fails under CI=true.
func (sh completionShell) find(t *testing.T) completionShell {
	t.Helper()
	missing := func(what, pkg string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is needed under CI=true: install the Debian package %s", what, pkg)
		}
		t.Skipf("%s is not installed (Debian package %s)", what, pkg)
	}
	path, err := exec.LookPath(sh.name)
	if err != nil {
		missing(sh.name, sh.pkg)
	}
	sh.path = path
	if sh.name == "bash" {
		for _, f := range append([]string{os.Getenv("SACTL_TEST_BASH_COMPLETION")}, bashCompletionFiles...) {
			if _, err := os.Stat(f); f != "" && err == nil {
				sh.support = f
				break
			}
		}
		if sh.support == "" {
			missing("bash-completion (which sactl's bash completion needs)", "bash-completion")
		}
		// bash is typed into through zsh's pseudo-terminal module.
		if sh.driver, err = exec.LookPath("zsh"); err != nil {
			missing("zsh (the bash test runs bash in a pseudo-terminal with zsh's zpty)", "zsh")
		}
	}
	return sh
}

// complete has the shell complete each line (typed up to the cursor) with
// the script "sactl completion SHELL" prints, and returns the candidates
// of each.
func (sh completionShell) complete(t *testing.T, w *completionWorld, env []string, lines []string) map[string][]candidate {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := exec.Command(w.bin, "completion", sh.name)
	c.Env, c.Stdout, c.Stderr = env, &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("sactl completion %s: %v\n%s", sh.name, err, stderr.String())
	}
	script := writeHarness(t, "sactl."+sh.name, stdout.String())
	start := time.Now()
	out := sh.run(t, sh, w, env, script, lines)
	t.Logf("%s completed %d lines in %v", sh.name, len(lines), time.Since(start).Round(time.Millisecond))
	return parseCandidates(t, sh, out, lines)
}

// The harnesses print "\x01LINE\t<line>" before what the shell showed for
// a line: zsh's compadd wrapper "\x01M\t<match>\t<display>" for each
// match, fish "\x01M\t<candidate>\t<description>", bash readline's own
// listing (one candidate a line), then "\x01BUF\t<line after the
// TAB>\x01END". A pseudo-terminal adds carriage returns, escape sequences
// and the echo of what was typed around them.
const (
	lineMark = "\x01LINE\t"
	candMark = "\x01M\t"
	bufMark  = "\x01BUF\t"
	bashPS1  = "@@sactl-test@@ "
)

var (
	bashDescribed = regexp.MustCompile(`^(\S+) +\((.*)\)$`) // cobra's "value  (description)"
	zshDescribed  = regexp.MustCompile(`^(\S+) +-- (.*)$`)  // _describe's "value  -- description"
)

func parseCandidates(t *testing.T, sh completionShell, out string, lines []string) map[string][]candidate {
	t.Helper()
	blocks := map[string][]string{}
	line, seen := "", false
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimRight(l, "\r")
		if i := strings.Index(l, lineMark); i >= 0 {
			line, seen = l[i+len(lineMark):], true
			blocks[line] = []string{}
		} else if seen {
			blocks[line] = append(blocks[line], l)
		}
	}
	got := map[string][]candidate{}
	for _, l := range lines {
		block, ok := blocks[l]
		if !ok {
			t.Fatalf("%s never completed %q; it printed:\n%q", sh.name, l, out)
		}
		if sh.name == "bash" {
			got[l] = bashCandidates(t, l, block)
			continue
		}
		got[l] = []candidate{}
		for _, b := range block {
			i := strings.Index(b, candMark)
			if i < 0 {
				continue
			}
			rest := b[i+len(candMark):]
			var c candidate
			if sh.name == "zsh" {
				value, display, _ := strings.Cut(rest, "\t")
				c.value = value
				if m := zshDescribed.FindStringSubmatch(display); m != nil && m[1] == value {
					c.desc = m[2]
				}
			} else {
				c.value, c.desc, _ = strings.Cut(rest, "\t")
			}
			got[l] = append(got[l], c)
		}
	}
	return got
}

// bashCandidates reads what readline showed after a TAB at the end of
// line: the candidates it listed (lines with no prompt, escape sequence or
// marker), or else the one it inserted into the line.
func bashCandidates(t *testing.T, line string, block []string) []candidate {
	t.Helper()
	var cands []candidate
	buf, done := "", false
	for _, b := range block {
		if i := strings.Index(b, bufMark); i >= 0 {
			buf, _, done = strings.Cut(b[i+len(bufMark):], "\x01END")
			break
		}
		if b == "" || strings.ContainsAny(b, "\x01\x1b\a") || strings.Contains(b, bashPS1) {
			continue
		}
		c := candidate{value: b}
		if m := bashDescribed.FindStringSubmatch(b); m != nil {
			c = candidate{m[1], m[2]}
		}
		cands = append(cands, c)
	}
	if !done {
		t.Fatalf("bash: no line read back after completing %q: %q", line, block)
	}
	if len(cands) == 0 && buf != line {
		// A lone candidate: readline put it in place of the last word.
		words := strings.Fields(buf)
		if !strings.HasPrefix(buf, line[:strings.LastIndex(line, " ")+1]) || len(words) == 0 {
			t.Fatalf("bash: completing %q left %q", line, buf)
		}
		cands = append(cands, candidate{value: words[len(words)-1]})
	}
	return cands
}

// shellRun runs a shell harness with a deadline and returns its stdout.
func shellRun(t *testing.T, w *completionWorld, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	c := exec.CommandContext(ctx, name, args...)
	c.Env, c.Dir, c.Stdout, c.Stderr = env, w.cwd, &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%q\nstderr:\n%s", filepath.Base(name), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// ptyDriver runs an interactive shell in a pseudo-terminal (zsh's zpty
// module), has it source an init file ($1), and types each line followed
// by $2, then Ctrl-U to empty the line again. The init file prints
// "\x01READY" when loaded and "\x01END" after each completion. $3 is the
// shell and $4 its options, split at spaces.
const ptyDriver = `zmodload zsh/zpty zsh/zselect zsh/datetime || exit 3
# readuntil MARKER: what the shell printed, up to MARKER, in $REPLY.
readuntil() {
  local chunk deadline=$(( EPOCHREALTIME + 60 ))
  REPLY=
  while [[ $REPLY != *$1* ]]; do
    # A pattern makes zpty return what there is, not wait for a newline.
    if zpty -rt z chunk '*'; then
      REPLY+=$chunk
    elif (( EPOCHREALTIME > deadline )); then
      print -r -- "timed out waiting for ${(q)1}; the shell printed: ${(q)REPLY}" >&2
      return 1
    else
      zselect -t 2
    fi
  done
}
local init=$1 keys=$2 shell=$3 opts=$4
shift 4
zpty -b z $shell ${(s: :)opts}
zpty -w z "source ${(q)init}"
readuntil $'\x01READY' || exit 4
for l in "$@"; do
  print -r -- $'\x01'LINE$'\t'"$l"
  zpty -w -n z "$l$keys"
  readuntil $'\x01END' || exit 5
  print -r -- "$REPLY"
  zpty -w -n z $'\x15'
done
zpty -d z
`

// bashInit makes readline list every candidate at the first TAB, one a
// line, without asking or paging; a bell when there is none; Ctrl-T prints
// the line (a lone candidate is inserted, not listed) and "\x01END".
// zpty's terminal starts without echo, which readline would copy.
const bashInit = `stty sane cols 200 rows 50
source "$SACTL_TEST_BASH_COMPLETION_LIB" || exit 3
source "$SACTL_COMPLETION_SCRIPT" || exit 3
bind 'set bell-style audible'
bind 'set show-all-if-ambiguous on'
bind 'set completion-display-width 0'
bind 'set completion-query-items 0'
bind 'set page-completions off'
bind -x '"\C-t": printf "\001BUF\t%s\001END\n" "$READLINE_LINE"'
PS1='` + bashPS1 + `'
printf '\001READY\n'
`

func runBash(t *testing.T, sh completionShell, w *completionWorld, env []string, script string, lines []string) string {
	env = append(slices.Clone(env), "SACTL_COMPLETION_SCRIPT="+script, "SACTL_TEST_BASH_COMPLETION_LIB="+sh.support)
	init := writeHarness(t, "init.bash", bashInit)
	driver := writeHarness(t, "driver.zsh", ptyDriver)
	return shellRun(t, w, env, sh.driver, append([]string{"-f", driver, init, "\t\x14", sh.path, "--norc --noprofile -i"}, lines...)...)
}

// zshInit: no prompt, TAB completes, Enter never runs a line, compinit and
// the script loaded, and compadd wrapped to print each match it adds with
// its display string; calls that only ask (-O, -A, -D) pass through. After
// each completion "\x01END" is printed (comppostfuncs empties itself, so
// the function adds itself again).
const zshInit = `stty sane cols 200 rows 50
PROMPT= RPROMPT= PS2=
bindkey -e
bindkey '^I' complete-word
bindkey '^M' undefined-key
bindkey '^J' undefined-key
autoload -Uz compinit && compinit -u -D
source "$SACTL_COMPLETION_SCRIPT" || exit 3
compadd() {
  if (( ${argv[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi
  local -a __m __d
  local __i
  builtin compadd -O __m "$@"
  if (( ${argv[(I)-d]} )); then
    __d=( "${(@P)argv[${argv[(I)-d]}+1]}" )
    builtin compadd -D __d "$@"
  fi
  for (( __i = 1; __i <= $#__m; __i++ )); do
    print -rn -- $'\x01'M$'\t'"$__m[__i]"$'\t'"$__d[__i]"$'\n'
  done
  builtin compadd "$@"
}
_sactl_test_end() { comppostfuncs+=(_sactl_test_end); print -rn -- $'\x01'END$'\n'; }
comppostfuncs=(_sactl_test_end)
print -r -- $'\x01'READY
`

func runZsh(t *testing.T, sh completionShell, w *completionWorld, env []string, script string, lines []string) string {
	env = append(slices.Clone(env), "SACTL_COMPLETION_SCRIPT="+script)
	init := writeHarness(t, "init.zsh", zshInit)
	driver := writeHarness(t, "driver.zsh", ptyDriver)
	return shellRun(t, w, env, sh.path, append([]string{"-f", driver, init, "\t", sh.path, "-f -i"}, lines...)...)
}

// fishHarness sources the script and prints "complete -C" of each line.
const fishHarness = `source $argv[1]; or exit 3
for l in $argv[2..-1]
  printf '\x01LINE\t%s\n' $l
  for c in (complete -C $l)
    printf '\x01M\t%s\n' $c
  end
end`

func runFish(t *testing.T, sh completionShell, w *completionWorld, env []string, script string, lines []string) string {
	return shellRun(t, w, env, sh.path, append([]string{"--no-config", "-c", fishHarness, script}, lines...)...)
}

// writeHarness writes a script outside the world, where it cannot be
// taken for something completion made.
func writeHarness(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
