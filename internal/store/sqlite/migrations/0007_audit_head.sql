-- sactl schema, version 7: the audit chain's head, stored with its business
-- (R-AUD-2).
--
-- Sequence numbers become per business: 1, 2, … within each business, so a
-- tenant cannot read another's activity from gaps in its own. The table is
-- rebuilt, numbering existing events in the order they were written (the
-- old global seq).
CREATE TABLE audit_events_v7 (
    business_id      TEXT NOT NULL REFERENCES businesses(id),
    seq              INTEGER NOT NULL,
    id               TEXT NOT NULL UNIQUE,
    time             TEXT NOT NULL,
    actor_id         TEXT NOT NULL,
    actor_name       TEXT NOT NULL,
    actor_type       TEXT NOT NULL,
    actor_credential TEXT,
    action           TEXT NOT NULL,
    target_type      TEXT NOT NULL,
    target_id        TEXT NOT NULL,
    target_name      TEXT NOT NULL,
    details          TEXT NOT NULL,
    prev_hash        TEXT NOT NULL,
    hash             TEXT NOT NULL,
    PRIMARY KEY (business_id, seq)
);
INSERT INTO audit_events_v7 (business_id, seq, id, time, actor_id, actor_name, actor_type, actor_credential,
        action, target_type, target_id, target_name, details, prev_hash, hash)
    SELECT business_id, row_number() OVER (PARTITION BY business_id ORDER BY seq), id, time, actor_id,
        actor_name, actor_type, actor_credential, action, target_type, target_id, target_name, details,
        prev_hash, hash
    FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_v7 RENAME TO audit_events;
-- The primary key is the by-business index.
CREATE INDEX audit_by_target ON audit_events (business_id, target_id, seq);
CREATE INDEX audit_by_actor ON audit_events (business_id, actor_id, seq);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

-- The head: the sequence number and hash of the business's newest event,
-- written in the same transaction as each event, so that removing the
-- newest events, which leaves an intact shorter chain, is detected.
ALTER TABLE businesses ADD COLUMN audit_head_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE businesses ADD COLUMN audit_head_hash TEXT NOT NULL DEFAULT '';
UPDATE businesses SET
    audit_head_seq = coalesce((SELECT max(a.seq) FROM audit_events a WHERE a.business_id = businesses.id), 0),
    audit_head_hash = coalesce((SELECT a.hash FROM audit_events a WHERE a.business_id = businesses.id
        ORDER BY a.seq DESC LIMIT 1), '');
