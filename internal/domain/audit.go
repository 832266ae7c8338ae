package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// canonicalEvent fixes the field order of the hashed form of an event.
type canonicalEvent struct {
	ID       string         `json:"id"`
	Time     string         `json:"time"`
	Business string         `json:"business"`
	Actor    ActorRef       `json:"actor"`
	Action   string         `json:"action"`
	Target   AuditTarget    `json:"target"`
	Details  map[string]any `json:"details"`
}

// ChainHash computes R-AUD-2's hash = SHA-256(prev_hash ‖ canonical JSON),
// hex-encoded. The canonical JSON has a fixed field order, sorted detail keys
// and the time in RFC 3339 with microseconds, as stored.
func (e AuditEvent) ChainHash() (string, error) {
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	b, err := json.Marshal(canonicalEvent{
		ID: e.ID, Time: e.Time.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), Business: e.Business,
		Actor: e.Actor, Action: e.Action, Target: e.Target, Details: details,
	})
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// AuditFilter selects audit events (R-AUD-3).
type AuditFilter struct {
	Account     string    `json:"account,omitempty"` // events about or by this account (resolved by the service)
	Actor       string    `json:"actor,omitempty"`
	Action      string    `json:"action,omitempty"` // exact, or a prefix ending in "." or "*"
	Since       time.Time `json:"since,omitempty"`
	Until       time.Time `json:"until,omitempty"`
	ServiceOnly bool      `json:"service_only,omitempty"`
	Limit       int       `json:"limit,omitempty"` // the newest N, still printed oldest first
	// After and PageSize page through the log (the server's cursor):
	// events after that sequence number, at most PageSize of them. With
	// Limit, PageSize gives the first page of the newest N; the next pages
	// follow from its last seq, without Limit. After does not combine with
	// Limit.
	After    int64 `json:"after,omitempty"`
	PageSize int   `json:"page_size,omitempty"`
}

// AuditHead is the head of a business's audit chain as stored with the
// business (R-AUD-2): the sequence number and hash of its newest event,
// written in the same transaction as that event. 0 and "" before the first.
type AuditHead struct {
	Seq  int64
	Hash string
}

// AuditCheck is the result of recomputing a business's audit chain
// (R-AUD-2, docs/json.md "audit check").
type AuditCheck struct {
	Business string `json:"business"`
	OK       bool   `json:"ok"`
	// Events is how many events were checked: all of them when OK, else
	// those up to and including the first broken one.
	Events int64 `json:"events"`
	// Head is the hash of the last intact event ("" for an empty log).
	Head   string       `json:"head"`
	Broken *BrokenEvent `json:"broken"`
}

// BrokenEvent names the first event whose link or hash does not hold, or,
// when events were removed from the end of the log, the first missing one:
// then only Seq and Reason are known (ID, Time and Action are null in JSON).
type BrokenEvent struct {
	ID     string    `json:"id"`
	Seq    int64     `json:"seq"`
	Time   time.Time `json:"time"`
	Action string    `json:"action"`
	Reason string    `json:"reason"`
}

// MarshalJSON writes null, not "" or the zero time, for what is not known
// of a missing event (SPEC §12: absent values are null).
func (b BrokenEvent) MarshalJSON() ([]byte, error) {
	w := struct {
		ID     *string    `json:"id"`
		Seq    int64      `json:"seq"`
		Time   *time.Time `json:"time"`
		Action *string    `json:"action"`
		Reason string     `json:"reason"`
	}{Seq: b.Seq, Reason: b.Reason}
	if b.ID != "" {
		w.ID = &b.ID
	}
	if !b.Time.IsZero() {
		w.Time = &b.Time
	}
	if b.Action != "" {
		w.Action = &b.Action
	}
	return json.Marshal(w)
}

// ChainChecker recomputes an audit chain one event at a time, oldest first,
// so a million events are checked without holding them, and compares its
// end with the head stored with the business (R-AUD-2).
type ChainChecker struct {
	head  AuditHead
	last  int64 // sequence number of the last event added
	check AuditCheck
}

// NewChainChecker starts checking the chain of one business against its
// stored head, read in the same transaction as the events.
func NewChainChecker(business string, head AuditHead) *ChainChecker {
	return &ChainChecker{head: head, check: AuditCheck{Business: business, OK: true}}
}

// Add checks the next event; it returns false once the chain is broken,
// after which Result names the first broken event.
func (c *ChainChecker) Add(e AuditEvent) bool {
	if !c.check.OK {
		return false
	}
	c.check.Events++
	reason := ""
	switch h, err := e.ChainHash(); {
	case e.PrevHash != c.check.Head:
		reason = "its prev_hash is not the hash of the event before it: an event was removed, inserted or reordered"
	case err != nil:
		reason = "its content cannot be hashed: " + err.Error()
	case h != e.Hash:
		reason = "its hash does not match its content: the event was changed after it was written"
	case e.Seq != c.last+1:
		reason = fmt.Sprintf("its seq is %d where %d was due: sequence numbers were changed", e.Seq, c.last+1)
	case e.Seq > c.head.Seq:
		reason = fmt.Sprintf("it is past the chain's head (event %d with hash %s): it was added behind sactl's back",
			c.head.Seq, c.head.Hash)
	case e.Seq == c.head.Seq && e.Hash != c.head.Hash:
		reason = "its hash is not the one the chain's head records (" + c.head.Hash + "): the newest event was replaced"
	}
	if reason != "" {
		c.check.OK = false
		c.check.Broken = &BrokenEvent{ID: e.ID, Seq: e.Seq, Time: e.Time, Action: e.Action, Reason: reason}
		return false
	}
	c.last = e.Seq
	c.check.Head = e.Hash
	return true
}

// Result is the check: call it once every event was added. An intact
// chain that ends before the stored head lost its newest events, and the
// result says which.
func (c *ChainChecker) Result() AuditCheck {
	res := c.check
	if !res.OK || c.last >= c.head.Seq {
		return res
	}
	ends := fmt.Sprintf("the log ends at event %d", c.last)
	if c.last == 0 {
		ends = "the log is empty"
	}
	missing := fmt.Sprintf("events %d to %d were", c.last+1, c.head.Seq)
	if c.last+1 == c.head.Seq {
		missing = fmt.Sprintf("event %d was", c.head.Seq)
	}
	res.OK = false
	res.Broken = &BrokenEvent{Seq: c.last + 1, Reason: fmt.Sprintf(
		"the chain's head says event %d with hash %s, but %s: %s removed from the end", c.head.Seq, c.head.Hash, ends, missing)}
	return res
}

// AuditActions are the actions an audit event can have (R-AUD-1), sorted:
// what "audit list --action" completes (R-CLI-6). TestAuditActionsListed
// in internal/service holds it to the actions the service writes.
var AuditActions = []string{
	"api_key.created", "api_key.revoked",
	"business.created",
	"config.imported",
	"group.assigned", "group.created", "group.deleted", "group.unassigned", "group.updated",
	"key.created", "key.deleted", "key.disabled", "key.enabled", "key.revealed", "key.rotated",
	"master_key.rotated",
	"service_account.admin_added", "service_account.admin_removed", "service_account.archived",
	"service_account.created", "service_account.resumed", "service_account.suspended",
	"service_account.updated",
	"setting.changed",
	"signing_key.rotated",
	"token.minted", "token.revoked",
	"user.created", "user.removed", "user.updated",
	"user_token.created", "user_token.revoked",
}
