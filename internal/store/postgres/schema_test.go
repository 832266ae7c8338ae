package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/sactl/sactl/internal/store"
)

// TestSchemaDescription holds schema.txt, what Check compares a database
// with, to what the migrations make (-update rewrites it).
func TestSchemaDescription(t *testing.T) {
	st, _ := openTest(t)
	ctx := context.Background()
	var got schema
	err := st.Read(ctx, func(stx store.Tx) (err error) {
		got, _, err = describeSchema(ctx, stx.(*Tx).tx, parseSchema(schemaWant).tables())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		// The tables are those of a fresh database, not of the old file.
		err := st.Read(ctx, func(stx store.Tx) error {
			rows, err := stx.(*Tx).tx.Query(ctx, `SELECT relname FROM pg_class WHERE relkind = 'r'
				AND relnamespace = 'public'::regnamespace AND relname <> 'schema_migrations'`)
			if err != nil {
				return err
			}
			defer rows.Close()
			var tables []string
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					return err
				}
				tables = append(tables, n)
			}
			got, _, err = describeSchema(ctx, stx.(*Tx).tx, tables)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("schema.txt", []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want := parseSchema(schemaWant).String(); got.String() != want {
		t.Errorf("schema.txt does not describe what the migrations make (run go test -run TestSchemaDescription -update):\n got:\n%s\nwant:\n%s", got, want)
	}
}
