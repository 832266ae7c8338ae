// Package reliability holds black-box tests of what sactl promises about
// its database when processes crash, race and hand out secrets. It has no
// code of its own: everything is in its _test.go files.
//
// The tests build the sactl binary once with "go build" into a temporary
// directory and drive real processes: many "sactl" commands at once on one
// SQLite file, "sactl serve" instances that are killed with SIGKILL and
// restarted, and the command line in remote mode against them. They check
// the state afterwards only through sactl itself ("sa keys list",
// "auth verify", "audit verify", "db check"), except that the secret
// hygiene test also reads the database, its WAL and every file the run left
// behind, looking for the secrets sactl printed.
//
//   - crash_test.go: R-DB-2, R-DB-3. Rotations, archives and creations from
//     four concurrent processes, many of them killed mid-flight; no account
//     above max_keys_per_account, every listed key verifies, every secret of
//     a key that is gone is rejected, the audit log agrees with the keys.
//   - concurrency_test.go: R-DB-3. Writers doing mixed operations, locally
//     and through one server; nothing lost, no "database is locked", one
//     audit event per change.
//   - durability_test.go: R-DB-1. A server killed under write load keeps
//     every write it acknowledged; and every connection sactl opens commits
//     with synchronous=FULL.
//   - hygiene_test.go: R-AUD-1, R-CLI-4, R-KEY-10. No issued secret in the
//     database, the WAL, the server's log, the audit log or any file
//     (TestSecretHygieneAtRest), nor in any message or error answer, even
//     when a credential is passed where an id belongs
//     (TestSecretHygieneInMessages); a name of credential form is refused
//     (TestCredentialFormNamesRefused).
//   - modes_test.go: R-CLI-9, how a command picks local or remote mode,
//     which the harness depends on.
//
// "make test-reliability" runs the long form with -v.
// By default (go test ./..., make test) every test runs a short form that
// takes seconds. SACTL_RELIABILITY=full selects the long form (make
// test-reliability: thousands of operations, dozens of kills). With -short
// the process-spawning tests are skipped. The sactl binary is built without
// the race detector even under "go test -race", since race-instrumented
// processes start about five times slower; SACTL_RELIABILITY_RACE=1 builds
// it with -race (then any data race in a child fails its command).
//
// Every test logs the counts it checked (t.Log; "go test -v" prints them).
package reliability
