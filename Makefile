# sactl — see README.md. Every target works on a fresh clone with only Go installed
# (make test uses the race detector when a C compiler is there too).
GO       ?= go
PKG      := github.com/sactl/sactl
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X $(PKG)/internal/build.Version=$(VERSION) -X $(PKG)/internal/build.Commit=$(COMMIT) -X $(PKG)/internal/build.Date=$(DATE)
export CGO_ENABLED ?= 0

.PHONY: build test test-reliability release release-check vet bench bench-go bench-smoke lint-openapi fuzz generate clean

build: ## build ./sactl (pure Go, no cgo)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o sactl .

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

# make test runs the tests with the race detector when cgo works here, and
# as plain go test (CGO_ENABLED=0, like make build) otherwise, so a machine
# with Go alone runs it too; its first line says which. cgo needs a C
# compiler: CC when the environment or the command line sets it, else the
# first of gcc, cc and clang on PATH (make's own default, cc, is not taken
# on trust). "Works" means it builds a cgo program with -race, tried once,
# only when a recipe asks.
ifeq ($(origin CC),default)
CC := $(firstword $(foreach c,gcc cc clang,$(if $(shell command -v $(c) 2>/dev/null),$(c))))
endif
race_probe = d=$$(mktemp -d) && printf 'package main\n\nimport "C"\n\nfunc main() {}\n' >"$$d/p.go" && \
	(cd "$$d" && CC='$(CC)' CGO_ENABLED=1 $(GO) build -race -o p p.go) >/dev/null 2>&1 && echo -race; rm -rf "$$d"
RACE = $(eval RACE := $(if $(CC),$(shell $(race_probe))))$(RACE)
TEST_ENV = $(if $(RACE),CC='$(CC)' CGO_ENABLED=1 GORACE=atexit_sleep_ms=0,CGO_ENABLED=0)
TEST_MODE = $(if $(RACE),with the race detector (cgo$(comma) CC=$(CC)),without the race detector: $(if $(CC),$(CC) does not build cgo programs with -race,no C compiler (CC$(comma) gcc$(comma) cc$(comma) clang)) here$(comma) so plain go test with CGO_ENABLED=0)
comma := ,

# The second pass runs the service tests, the backend contract suite and
# every CLI story again on PostgreSQL (R-DB-4), on a throwaway cluster each
# test binary starts (initdb, pg_ctl; as the postgres user when run as
# root) and removes. Without PostgreSQL those tests skip, except under
# CI=true, where they fail: .ci/run installs it. TEST_PKGS and PG_TEST_PKGS
# pick the packages of each pass. internal/k8stest is a module of its own
# (the Kubernetes TokenReview types, R-SRV-9, which sactl does not link), so
# it runs apart; then the OpenAPI lint and the release check.
TEST_PKGS    ?= ./...
PG_TEST_PKGS ?= ./internal/service/ ./internal/client/ ./cmd/
test: vet ## vet, gofmt check, every test (race detector when cgo works), the PostgreSQL pass, bench-smoke, k8stest, lint-openapi, release-check
	@echo "make test: $(TEST_MODE)"
	$(TEST_ENV) $(GO) test $(RACE) -count=1 -timeout 25m $(TEST_PKGS)
	SACTL_TEST_BACKEND=postgres $(TEST_ENV) $(GO) test $(RACE) -count=1 -timeout 25m $(PG_TEST_PKGS)
	$(MAKE) --no-print-directory bench-smoke
	cd internal/k8stest && $(GO) vet ./... && $(GO) test -count=1 ./...
	$(MAKE) --no-print-directory lint-openapi
	$(MAKE) --no-print-directory release-check

# goreleaser is pinned in a module of its own, internal/tools/go.mod, so its
# hundreds of dependencies stay out of sactl's go.mod (and out of ./...);
# the first run downloads and builds it (minutes), later runs reuse Go's
# caches. It runs from the repository root. CGO_ENABLED=0: it is pure Go,
# and one way of building it keeps one copy in the cache.
GORELEASER := CGO_ENABLED=0 $(GO) tool -modfile=internal/tools/go.mod goreleaser

# A release, from a tag on a clean tree: every target, archives and
# checksums in dist/, a draft release published with GITHUB_TOKEN. See
# docs/releasing.md.
release: ## on a release tag: build every target and create the draft release (needs GITHUB_TOKEN)
	$(GORELEASER) release --clean

# release-check: goreleaser check, then a snapshot release of
# .goreleaser.yaml for this machine's target only, into a temporary
# directory; the binary's --version must show the injected version, commit
# and date (R-CLI-7) and the archive every completion and man page
# (R-CLI-6). No tag needed; the tree is left as it was. See
# docs/releasing.md.
release-check: ## goreleaser check and a snapshot release for this machine, its --version and archive checked
	cd internal/tools && $(GO) vet ./releasecheck && $(GO) test -count=1 ./releasecheck
	cd internal/tools && GO='$(GO)' $(GO) run ./releasecheck -root ../..

# The long form of internal/reliability (make test runs its short form):
# thousands of operations from concurrent and SIGKILLed sactl processes and
# servers on one database, and the secret hygiene search. Several minutes on
# two cores; every test prints the counts it checked. RELIABILITY_RUN picks
# tests by name (go test -run).
RELIABILITY_TIMEOUT ?= 30m
RELIABILITY_RUN     ?= .
test-reliability: ## crash, concurrency, durability and secret hygiene tests, long form (SACTL_RELIABILITY=full)
	SACTL_RELIABILITY=full $(GO) test -count=1 -v -timeout $(RELIABILITY_TIMEOUT) -run '$(RELIABILITY_RUN)' ./internal/reliability/

# make bench measures every target of SPEC §13 against its reference in one
# run (sactl serve against a bare net/http handler, sa list and audit list
# against sqlite3 -json, --version against hello world, and the Go
# benchmarks of P-2) and writes docs/benchmarks.md; about 15 minutes here.
# It needs sqlite3 (Debian: apt-get install sqlite3). bench-go is the Go
# benchmarks alone, benchstat-ready. make test runs the harness's short
# form (bench-smoke), which checks it still runs, not the figures.
bench: ## every SPEC §13 workload against its reference; writes docs/benchmarks.md
	$(GO) run ./internal/perf -out docs/benchmarks.md

bench-go: ## the Go benchmarks, benchstat-ready (go test -bench)
	$(GO) test -run='^$$' -bench=. -benchmem -count=5 ./...

# Redocly's linter, pinned, from npm (R-SRV-1: the OpenAPI 3.1 file must be
# valid with zero errors). Without npx it skips, except under CI=true, where
# .ci/run installs npm.
REDOCLY ?= @redocly/cli@2.77.0
lint-openapi: ## lint docs/openapi.yaml with Redocly's CLI (npm, pinned)
	@if command -v npx >/dev/null 2>&1; then \
		npx --yes $(REDOCLY) lint --config docs/redocly.yaml --format=stylish docs/openapi.yaml; \
	elif [ "$$CI" = true ]; then \
		echo "lint-openapi: npx not found (Debian package npm); needed under CI=true" >&2; exit 1; \
	else echo "lint-openapi: skipped: npx not found (Debian package npm)"; fi

bench-smoke:
	$(GO) run ./internal/perf -quick -rounds 1 -out $${TMPDIR:-/tmp}/sactl-bench-smoke.md

FUZZTIME ?= 20s
# Minimizing each new corpus entry may take go test's default 60s, which
# stalls the slower targets (a file or an HTTP request per run).
FUZZMINIMIZETIME ?= 5s
# Every fuzz target, package by package: go test -fuzz runs one target per
# invocation. make fuzz fails when a target is missing from this list.
FUZZ_TARGETS := \
	internal/cmdutil:FuzzParseDurationFlag \
	internal/config:FuzzLoad \
	internal/domain:FuzzParseDuration internal/domain:FuzzFormatDuration \
	internal/domain:FuzzNormalizeName internal/domain:FuzzAPIName internal/domain:FuzzNormalizeEmail \
	internal/domain:FuzzNormalizeDescription internal/domain:FuzzNormalizeIcon internal/domain:FuzzBusinessName \
	internal/domain:FuzzParseLevel internal/domain:FuzzParsePermission internal/domain:FuzzParsePermissions \
	internal/domain:FuzzSettings internal/domain:FuzzRedact \
	internal/keys:FuzzParse internal/keys:FuzzParseTokenUnverified internal/keys:FuzzVerifyToken \
	internal/keys:FuzzParseMasterKey internal/keys:FuzzReadMasterKeyFile internal/keys:FuzzOpen internal/keys:FuzzUnwrap \
	internal/server:FuzzRequestBodies internal/server:FuzzIntrospectForm internal/server:FuzzListQuery

fuzz: ## a run of FUZZTIME (default 20s) of every fuzz target (parsers of untrusted input)
	@missing=$$(grep -rH --include='*_test.go' '^func Fuzz' . | \
		sed -E 's|^\./(.*)/[^/]*:func (Fuzz[A-Za-z0-9_]*)\(.*|\1:\2|' | \
		while read -r t; do case " $(FUZZ_TARGETS) " in *" $$t "*) ;; *) echo "$$t";; esac; done); \
	if [ -n "$$missing" ]; then echo "add to FUZZ_TARGETS in the Makefile:" $$missing; exit 1; fi
	@failed=; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t#*:}; echo "== $$fn ($$pkg)"; \
		$(GO) test -run='^$$' -fuzz="^$$fn$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZETIME) ./$$pkg/ || failed="$$failed $$fn"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz targets that failed:$$failed"; exit 1; fi

generate: ## regenerate docs/ and completions/
	$(GO) run ./internal/gendocs

clean:
	rm -f sactl coverage.out
