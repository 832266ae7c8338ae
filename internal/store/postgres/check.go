package postgres

import (
	"context"
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/sactl/sactl/internal/store"
)

// schemaWant describes the schema the migrations make, one object a line
// (see describeSchema): what Check holds the database to. It is the
// description of a freshly migrated database, written by
// `go test ./internal/store/postgres -run TestSchemaDescription -update`.
//
//go:embed schema.txt
var schemaWant string

// Check runs the database's own consistency checks (db check, R-DB-5);
// the audit chains are the service's to check. It returns the problems
// found, each as a line naming the table and the object or row, none when
// the database is sound:
//
//   - the schema version is this binary's;
//   - every column has the type, collation and NOT NULL it was made with;
//   - every constraint, index and trigger sactl relies on (the CHECKs of
//     R-DB-6, the unique indexes of R-SA-1/2/4, the foreign keys, the
//     append-only triggers of R-AUD-1) is there, validated, valid and
//     enabled (a constraint added NOT VALID, an index left invalid by a
//     failed concurrent build, a trigger disabled by hand enforce nothing);
//   - no row refers to a missing row, through every foreign key sactl
//     made, present or not (rows can be written past one with its triggers
//     disabled or session_replication_role = replica, as restores do).
func (s *Store) Check(ctx context.Context) (store.CheckResult, error) {
	var res store.CheckResult
	err := s.Read(ctx, func(stx store.Tx) error {
		tx := stx.(*Tx)
		v, err := schemaVersion(ctx, tx.tx)
		if err != nil {
			return err
		}
		st, err := migrationStatus(v)
		if err != nil {
			return err
		}
		if st.Version != st.Latest {
			res.Integrity = append(res.Integrity, fmt.Sprintf("schema version %d, this sactl's is %d", st.Version, st.Latest))
		}
		want := parseSchema(schemaWant)
		have, disabled, err := describeSchema(ctx, tx.tx, want.tables())
		if err != nil {
			return err
		}
		for _, p := range compareSchema(want, have) {
			if p.foreignKey {
				res.ForeignKeys = append(res.ForeignKeys, p.line)
			} else {
				res.Integrity = append(res.Integrity, p.line)
			}
		}
		res.ForeignKeys = append(res.ForeignKeys, disabled...)
		orphans, err := findOrphans(ctx, tx.tx, want, have)
		if err != nil {
			return err
		}
		res.ForeignKeys = append(res.ForeignKeys, orphans...)
		return nil
	})
	return res, err
}

// schemaObject is one line of a schema description:
// "<kind> <table>.<name>: <detail>" with kind column, constraint, index
// or trigger.
type schemaObject struct {
	kind, table, name, detail string
}

func (o schemaObject) key() string { return o.kind + " " + o.table + "." + o.name }

func (o schemaObject) String() string {
	if o.detail == "" {
		return o.key()
	}
	return o.key() + ": " + o.detail
}

type schema []schemaObject

var objectRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(column|constraint|index|trigger) ([a-z_]+)\.([a-z_]+)(?:: (.*))?$`)
})

func parseSchema(text string) schema {
	var out schema
	for _, line := range strings.Split(text, "\n") {
		if m := objectRE().FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			out = append(out, schemaObject{kind: m[1], table: m[2], name: m[3], detail: m[4]})
		}
	}
	return out
}

// tables are the tables the description names.
func (s schema) tables() []string {
	seen := map[string]bool{}
	var out []string
	for _, o := range s {
		if !seen[o.table] {
			seen[o.table] = true
			out = append(out, o.table)
		}
	}
	return out
}

func (s schema) String() string {
	lines := make([]string, len(s))
	for i, o := range s {
		lines[i] = o.String()
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

// The catalog queries of describeSchema restrict themselves to the
// tables named, found through search_path as every query of the store
// finds them.
const ourTables = `(SELECT to_regclass(t) FROM unnest($1::text[]) t)`

// describeSchema describes the tables named as they are: their columns,
// constraints, indexes and (user) triggers, with what is wrong with the
// state of each (not validated, invalid, disabled) in its detail; and, as
// lines of their own, the disabled internal triggers that enforce foreign
// keys.
func describeSchema(ctx context.Context, tx pgx.Tx, tables []string) (schema, []string, error) {
	var out schema
	collect := func(q string, scan func(pgx.Rows) (schemaObject, error)) error {
		rows, err := tx.Query(ctx, q, tables)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return rows.Err()
	}
	err := collect(`SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
			coalesce((SELECT ' collate ' || l.collname FROM pg_collation l WHERE l.oid = a.attcollation AND a.attcollation <> 0), ''),
			a.attidentity IN ('a', 'd'), a.attnotnull
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		WHERE c.oid IN `+ourTables+` AND a.attnum > 0 AND NOT a.attisdropped`,
		func(r pgx.Rows) (schemaObject, error) {
			var o schemaObject
			var typ, collation string
			var identity, notNull bool
			err := r.Scan(&o.table, &o.name, &typ, &collation, &identity, &notNull)
			o.kind, o.detail = "column", typ+collation
			if identity {
				o.detail += " identity"
			}
			if notNull {
				o.detail += " not null"
			}
			return o, err
		})
	if err != nil {
		return nil, nil, fmt.Errorf("describe columns: %w", err)
	}
	err = collect(`SELECT r.relname, c.conname, c.contype::text, c.convalidated,
			coalesce((SELECT string_agg(a.attname, ', ' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), ''),
			coalesce(f.relname, ''),
			coalesce((SELECT string_agg(a.attname, ', ' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum), ''),
			c.confdeltype::text
		FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid LEFT JOIN pg_class f ON f.oid = c.confrelid
		WHERE c.conrelid IN `+ourTables+` AND c.contype IN ('p', 'u', 'c', 'f')`,
		func(r pgx.Rows) (schemaObject, error) {
			var o schemaObject
			var typ, cols, parent, parentCols, onDelete string
			var validated bool
			err := r.Scan(&o.table, &o.name, &typ, &validated, &cols, &parent, &parentCols, &onDelete)
			o.kind = "constraint"
			switch typ {
			case "p":
				o.detail = "primary key (" + cols + ")"
			case "u":
				o.detail = "unique (" + cols + ")"
			case "c":
				o.detail = "check"
			case "f":
				o.detail = fmt.Sprintf("foreign key (%s) references %s (%s) on delete %s", cols, parent, parentCols,
					map[string]string{"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}[onDelete])
			}
			if !validated {
				o.detail += " not validated"
			}
			return o, err
		})
	if err != nil {
		return nil, nil, fmt.Errorf("describe constraints: %w", err)
	}
	err = collect(`SELECT t.relname, i.relname,
			array_to_string(ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) k ORDER BY k), ', '),
			x.indisunique, x.indpred IS NOT NULL, x.indisvalid AND x.indisready
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
		WHERE x.indrelid IN `+ourTables,
		func(r pgx.Rows) (schemaObject, error) {
			var o schemaObject
			var cols string
			var unique, partial, valid bool
			err := r.Scan(&o.table, &o.name, &cols, &unique, &partial, &valid)
			o.kind, o.detail = "index", "("+cols+")"
			if unique {
				o.detail = "unique " + o.detail
			}
			if partial {
				o.detail += " partial"
			}
			if !valid {
				o.detail += " invalid"
			}
			return o, err
		})
	if err != nil {
		return nil, nil, fmt.Errorf("describe indexes: %w", err)
	}
	var disabled []string
	rows, err := tx.Query(ctx, `SELECT t.relname, g.tgname, g.tgenabled::text, g.tgisinternal, coalesce(c.conname, '')
		FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid LEFT JOIN pg_constraint c ON c.oid = g.tgconstraint
		WHERE g.tgrelid IN `+ourTables+` ORDER BY t.relname, c.conname, g.tgname`, tables)
	if err != nil {
		return nil, nil, fmt.Errorf("describe triggers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		o := schemaObject{kind: "trigger"}
		var enabled, constraint string
		var internal bool
		if err := rows.Scan(&o.table, &o.name, &enabled, &internal, &constraint); err != nil {
			return nil, nil, err
		}
		// 'D' is disabled; 'R' fires only when session_replication_role is replica.
		off := enabled == "D" || enabled == "R"
		switch {
		case !internal:
			if off {
				o.detail = "disabled"
			}
			out = append(out, o)
		case off && constraint != "":
			// One line per constraint, whichever of its triggers (on insert,
			// on update) are off.
			line := fmt.Sprintf("%s: a trigger enforcing constraint %s is disabled, so it is not enforced", o.table, constraint)
			if len(disabled) == 0 || disabled[len(disabled)-1] != line {
				disabled = append(disabled, line)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	sort.Strings(disabled)
	return out, disabled, nil
}

type problem struct {
	line       string
	foreignKey bool
}

// compareSchema lists what of want the database lacks or has otherwise.
// What it has beyond want (an index an operator added) is no problem.
func compareSchema(want, have schema) []problem {
	byKey := map[string]schemaObject{}
	tables := map[string]bool{}
	for _, o := range have {
		byKey[o.key()] = o
		tables[o.table] = true
	}
	var out []problem
	missingTable := map[string]bool{}
	for _, w := range want {
		fk := strings.HasPrefix(w.detail, "foreign key")
		if !tables[w.table] {
			if !missingTable[w.table] {
				missingTable[w.table] = true
				out = append(out, problem{line: fmt.Sprintf("table %s is missing", w.table)})
			}
			continue
		}
		h, ok := byKey[w.key()]
		switch {
		case !ok:
			out = append(out, problem{line: fmt.Sprintf("%s: %s %s is missing (want %s)", w.table, w.kind, w.name, w.detailOrName()), foreignKey: fk})
		case h.detail != w.detail:
			out = append(out, problem{line: fmt.Sprintf("%s: %s %s is %s, want %s", w.table, w.kind, w.name, h.detailOrName(), w.detailOrName()), foreignKey: fk})
		}
	}
	return out
}

func (o schemaObject) detailOrName() string {
	if o.detail == "" {
		return "enabled"
	}
	return o.detail
}

var foreignKeyRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^foreign key \(([a-z_, ]+)\) references ([a-z_]+) \(([a-z_, ]+)\)`)
})

// maxOrphans bounds the rows reported per foreign key.
const maxOrphans = 100

// findOrphans lists the rows that refer to a missing row through the
// foreign keys of want, each named by its table's primary key.
func findOrphans(ctx context.Context, tx pgx.Tx, want, have schema) ([]string, error) {
	columns := map[string]bool{}
	for _, o := range have {
		if o.kind == "column" {
			columns[o.table+"."+o.name] = true
		}
	}
	primary := map[string][]string{}
	for _, o := range want {
		if cols, ok := strings.CutPrefix(o.detail, "primary key ("); ok {
			primary[o.table] = strings.Split(strings.TrimSuffix(cols, ")"), ", ")
		}
	}
	var out []string
	for _, o := range want {
		m := foreignKeyRE().FindStringSubmatch(o.detail)
		if m == nil {
			continue
		}
		cols, parent, parentCols := strings.Split(m[1], ", "), m[2], strings.Split(m[3], ", ")
		if !allColumns(columns, o.table, cols) || !allColumns(columns, parent, parentCols) ||
			!allColumns(columns, o.table, primary[o.table]) {
			continue // compareSchema reports what is missing
		}
		var notNull, join, refs, names []string
		for i := range cols {
			c := "c." + pgx.Identifier{cols[i]}.Sanitize()
			notNull = append(notNull, c+" IS NOT NULL")
			join = append(join, "p."+pgx.Identifier{parentCols[i]}.Sanitize()+" = "+c)
			refs = append(refs, c+"::text")
		}
		for _, k := range primary[o.table] {
			names = append(names, "c."+pgx.Identifier{k}.Sanitize()+"::text")
		}
		q := fmt.Sprintf(`SELECT concat_ws(', ', %s), concat_ws(', ', %s) FROM %s c WHERE %s
			AND NOT EXISTS (SELECT 1 FROM %s p WHERE %s) LIMIT %d`,
			strings.Join(names, ", "), strings.Join(refs, ", "), pgx.Identifier{o.table}.Sanitize(),
			strings.Join(notNull, " AND "), pgx.Identifier{parent}.Sanitize(), strings.Join(join, " AND "), maxOrphans)
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", o.name, err)
		}
		for rows.Next() {
			var row, ref string
			if err := rows.Scan(&row, &ref); err != nil {
				rows.Close()
				return nil, err
			}
			if len(names) > 1 {
				row = "(" + row + ")"
			}
			out = append(out, fmt.Sprintf("%s row %s refers to a missing %s row (%s %s)", o.table, row, parent, m[1], ref))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("check %s: %w", o.name, err)
		}
	}
	return out, nil
}

func allColumns(have map[string]bool, table string, cols []string) bool {
	for _, c := range cols {
		if !have[table+"."+c] {
			return false
		}
	}
	return true
}
