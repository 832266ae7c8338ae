package postgres

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// AppendAudit appends an event to its business's hash chain (R-AUD-1,
// R-AUD-2): it links to the head stored with the business, takes the next
// sequence number of that business, and moves the head to itself in the
// same transaction. The head is read FOR UPDATE: the business's row lock
// orders concurrent appenders even in a write that did not call
// LockBusiness, and under READ COMMITTED the second then reads the head
// the first wrote, so no two events can claim the same predecessor.
func (t *Tx) AppendAudit(businessID string, e *domain.AuditEvent) error {
	head, err := t.auditHead(businessID, ` FOR UPDATE`)
	if err != nil {
		return err
	}
	e.Seq, e.PrevHash = head.Seq+1, head.Hash
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	// Round-trip details through JSON so the hash covers exactly what is stored.
	raw, err := json.Marshal(e.Details)
	if err != nil {
		return err
	}
	var details map[string]any
	if err := json.Unmarshal(raw, &details); err != nil {
		return err
	}
	e.Details = details
	e.Time = ts(e.Time) // as stored
	if e.Hash, err = e.ChainHash(); err != nil {
		return err
	}
	var cred any // NULL: no credential (a local operator)
	if e.Actor.Credential != nil {
		b, err := json.Marshal(e.Actor.Credential)
		if err != nil {
			return err
		}
		cred = string(b)
	}
	_, err = t.exec(`INSERT INTO audit_events (business_id, seq, id, time, actor_id, actor_name, actor_type, actor_credential,
		action, target_type, target_id, target_name, details, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		businessID, e.Seq, e.ID, e.Time, e.Actor.ID, e.Actor.Name, e.Actor.Type, cred, e.Action,
		e.Target.Type, e.Target.ID, e.Target.Name, string(raw), e.PrevHash, e.Hash)
	if store.IsUniqueViolation(err) && constraintOf(err) == "audit_events_pkey" {
		// Only a row written behind sactl's back can hold the next number.
		return fmt.Errorf("the audit log of business %q already holds an event with sequence number %d, past its head: "+
			"it was changed behind sactl's back (run sactl audit verify)", e.Business, e.Seq)
	}
	if err != nil {
		return err
	}
	_, err = t.exec(`UPDATE businesses SET audit_head_seq = $1, audit_head_hash = $2 WHERE id = $3`, e.Seq, e.Hash, businessID)
	return err
}

// AuditHead reads the head of a business's audit chain (R-AUD-2).
func (t *Tx) AuditHead(businessID string) (domain.AuditHead, error) {
	return t.auditHead(businessID, "")
}

func (t *Tx) auditHead(businessID, lock string) (domain.AuditHead, error) {
	var h domain.AuditHead
	err := t.queryRow(`SELECT audit_head_seq, audit_head_hash FROM businesses WHERE id = $1`+lock, businessID).
		Scan(&h.Seq, &h.Hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, fmt.Errorf("no business %s", businessID)
	}
	return h, err
}

// params collects the arguments of a query built piece by piece and
// names their placeholders ($1, $2, …).
type params []any

func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// ListAudit calls fn for each matching event, oldest first, streaming rows
// so a million events never sit in memory at once (R-AUD-3). fn must not
// use the transaction: its connection is busy with the rows until the end.
func (t *Tx) ListAudit(businessID string, q store.AuditQuery, fn func(domain.AuditEvent) error) error {
	if q.Limit > 0 && q.After > 0 {
		return fmt.Errorf("audit: the newest-n limit and a cursor do not combine")
	}
	var args params
	where := []string{"a.business_id = " + args.add(businessID)}
	if q.AccountID != "" {
		p := args.add(q.AccountID)
		where = append(where, "(a.target_id = "+p+" OR a.actor_id = "+p+")")
	}
	if q.ActorID != "" {
		where = append(where, "a.actor_id = "+args.add(q.ActorID))
	}
	if q.Action != "" {
		// ILIKE on a "C" column: case-insensitive for ASCII only, as
		// SQLite's LIKE is.
		if p, ok := strings.CutSuffix(q.Action, "*"); ok {
			where = append(where, `a.action ILIKE `+args.add(escapeLike(p)+"%")+` ESCAPE '\'`)
		} else if strings.HasSuffix(q.Action, ".") {
			where = append(where, `a.action ILIKE `+args.add(escapeLike(q.Action)+"%")+` ESCAPE '\'`)
		} else {
			where = append(where, "a.action = "+args.add(q.Action))
		}
	}
	if !q.Since.IsZero() {
		where = append(where, "a.time >= "+args.add(ts(q.Since)))
	}
	if !q.Until.IsZero() {
		where = append(where, "a.time < "+args.add(ts(q.Until)))
	}
	if q.ServiceOnly {
		where = append(where, `a.actor_type ILIKE 'service\_%' ESCAPE '\'`)
	}
	after := q.After
	if q.Limit > 0 {
		// The newest N are the events after the (N+1)-th newest: find its
		// seq through the index, then stream forward from it like a page.
		limitArgs := append(params(nil), args...)
		err := t.queryRow(`SELECT a.seq FROM audit_events a WHERE `+strings.Join(where, " AND ")+
			` ORDER BY a.seq DESC LIMIT 1 OFFSET `+limitArgs.add(q.Limit), limitArgs...).Scan(&after)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	}
	if after > 0 {
		where = append(where, "a.seq > "+args.add(after))
	}
	query := `SELECT a.seq, a.id, b.name, a.time, a.actor_id, a.actor_name, a.actor_type, a.actor_credential, a.action,
		a.target_type, a.target_id, a.target_name, a.details, a.prev_hash, a.hash
		FROM audit_events a JOIN businesses b ON b.id = a.business_id WHERE ` + strings.Join(where, " AND ") +
		" ORDER BY a.seq"
	if q.PageSize > 0 {
		query += " LIMIT " + args.add(q.PageSize)
	}
	rows, err := t.query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e domain.AuditEvent
		var tm pgtype.Timestamptz
		var details string
		var cred pgtype.Text
		if err := rows.Scan(&e.Seq, &e.ID, &e.Business, &tm, &e.Actor.ID, &e.Actor.Name, &e.Actor.Type, &cred, &e.Action,
			&e.Target.Type, &e.Target.ID, &e.Target.Name, &details, &e.PrevHash, &e.Hash); err != nil {
			return err
		}
		p := parseRow("audit_events", e.ID)
		e.Time = p.time("time", tm)
		if cred.Valid {
			e.Actor.Credential = &domain.ActorCredential{}
			p.Object("actor_credential", cred.String, e.Actor.Credential)
		}
		if p.Object("details", details, &e.Details); p.Err != nil {
			return p.Err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}
