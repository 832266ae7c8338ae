package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// Both ways of telling a change (the mapped WAL-index header, and PRAGMA
// data_version where it cannot be mapped) see a commit made through
// another store on the same file, as another process would make it, and
// only then (P-3).
func TestVersionSeesOtherConnections(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sactl.db")
	watcher, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	writer, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	if err := watcher.openWatch(ctx); err != nil {
		t.Fatal(err)
	}
	ways := map[string]func() (uint64, bool){
		"WAL-index header": func() (uint64, bool) { return watcher.Version(ctx) },
		"data_version":     func() (uint64, bool) { return watcher.watch.dataVersion(ctx) },
	}
	before := map[string]uint64{}
	for name, version := range ways {
		v, ok := version()
		if !ok {
			t.Fatalf("%s: cannot tell", name)
		}
		if again, _ := version(); again != v {
			t.Fatalf("%s changed with no commit: %d, then %d", name, v, again)
		}
		before[name] = v
	}
	if watcher.watch.shm == nil {
		t.Fatal("the WAL-index header was not mapped: Version reads data_version")
	}
	now := time.Now().UTC()
	b := domain.Business{ID: domain.NewID("biz", now), Name: "acme", Domain: "acme.example", CreatedAt: now}
	if err := writer.Write(ctx, false, func(tx store.Tx) error { return tx.InsertBusiness(b) }); err != nil {
		t.Fatal(err)
	}
	for name, version := range ways {
		if v, ok := version(); !ok || v == before[name] {
			t.Errorf("%s after another store committed: %d (ok %v), before %d", name, v, ok, before[name])
		}
	}
}
