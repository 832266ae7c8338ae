package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	// events after that sequence number, at most PageSize of them.
	After    int64 `json:"after,omitempty"`
	PageSize int   `json:"page_size,omitempty"`
}
