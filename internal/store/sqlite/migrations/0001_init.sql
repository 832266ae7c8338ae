-- sactl schema, version 1. Times are UTC text "YYYY-MM-DDTHH:MM:SS.ffffffZ",
-- fixed width so that text order is time order.

CREATE TABLE businesses (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    domain      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE settings (
    business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (business_id, key)
) WITHOUT ROWID;

-- Users and service accounts in one model (SPEC §1).
CREATE TABLE principals (
    id           TEXT PRIMARY KEY,
    business_id  TEXT NOT NULL REFERENCES businesses(id),
    account_type TEXT NOT NULL CHECK (account_type IN
                   ('human', 'service_automation', 'service_integration', 'service_apikey')),
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,           -- case-folded name (R-SA-1)
    api_name     TEXT,                    -- NULL for humans (R-SA-2)
    email        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    icon         TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    suspended_at TEXT,
    archived_at  TEXT,
    last_used_at TEXT
);
-- R-SA-1: names unique per business among non-archived accounts, case-insensitive.
CREATE UNIQUE INDEX principals_live_name ON principals (business_id, name_key)
    WHERE archived_at IS NULL AND account_type <> 'human';
-- R-SA-2: api_name unique per business (archived accounts keep theirs, so the
-- audit log never becomes ambiguous).
CREATE UNIQUE INDEX principals_api_name ON principals (business_id, api_name);
CREATE UNIQUE INDEX principals_live_email ON principals (business_id, email) WHERE archived_at IS NULL;
-- R-SA-4: exactly one automation account per business.
CREATE UNIQUE INDEX principals_one_automation ON principals (business_id)
    WHERE account_type = 'service_automation';
CREATE INDEX principals_by_type ON principals (business_id, account_type, archived_at);

CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses(id),
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    builtin     INTEGER NOT NULL DEFAULT 0,
    protected   INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (business_id, name_key)
);

CREATE TABLE group_permissions (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    perm_key TEXT NOT NULL,
    level    TEXT NOT NULL CHECK (level IN ('none', 'view', 'edit', 'remove')),
    PRIMARY KEY (group_id, perm_key)
) WITHOUT ROWID;

CREATE TABLE principal_groups (
    principal_id TEXT NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
    group_id     TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (principal_id, group_id)
) WITHOUT ROWID;
CREATE INDEX principal_groups_by_group ON principal_groups (group_id);

-- API keys (SPEC §3). Only the SHA-256 of a secret is looked up (R-KEY-2);
-- sealed holds it encrypted when key retrieval is on (R-KEY-10).
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    business_id  TEXT NOT NULL REFERENCES businesses(id),
    principal_id TEXT NOT NULL REFERENCES principals(id),
    name         TEXT NOT NULL DEFAULT '',
    hash         BLOB NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    sealed       BLOB,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    expires_at   TEXT,
    disabled_at  TEXT,
    last_used_at TEXT
);
CREATE INDEX api_keys_by_principal ON api_keys (principal_id, created_at);

-- Append-only audit log (R-AUD-1), hash-chained per business (R-AUD-2).
CREATE TABLE audit_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    business_id TEXT NOT NULL REFERENCES businesses(id),
    time        TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    actor_type  TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    target_name TEXT NOT NULL,
    details     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_by_business ON audit_events (business_id, seq);
CREATE INDEX audit_by_target ON audit_events (business_id, target_id, seq);
CREATE INDEX audit_by_actor ON audit_events (business_id, actor_id, seq);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
