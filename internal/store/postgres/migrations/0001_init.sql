-- sactl PostgreSQL schema, version 1: everything SQLite's migrations 0001
-- to 0007 end with, in one step (PostgreSQL support began at schema 7, so
-- there is no older PostgreSQL database to carry forward; versions 2 to 7
-- are empty here and keep the numbering shared with SQLite).
--
-- Differences from the SQLite schema, each for the same behaviour:
--   * every text column is COLLATE "C": SQLite compares text bytewise, so
--     ORDER BY and LIKE must not depend on the database's locale;
--   * times are timestamptz (microseconds, as the service writes them),
--     blobs bytea, flags boolean;
--   * tables listed in insertion order (ORDER BY created_at, rowid in
--     SQLite) have seq, an identity column that stands for the rowid;
--   * the append-only rule of audit_events is a plpgsql trigger, which also
--     refuses TRUNCATE (which PostgreSQL would otherwise let through).

CREATE TABLE businesses (
    id              text COLLATE "C" PRIMARY KEY,
    name            text COLLATE "C" NOT NULL UNIQUE,
    domain          text COLLATE "C" NOT NULL,
    created_at      timestamptz NOT NULL,
    -- R-AUD-2: the audit chain's head, written with each event.
    audit_head_seq  bigint NOT NULL DEFAULT 0,
    audit_head_hash text COLLATE "C" NOT NULL DEFAULT ''
);

CREATE TABLE settings (
    business_id text COLLATE "C" NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
    key         text COLLATE "C" NOT NULL,
    value       text COLLATE "C" NOT NULL,
    PRIMARY KEY (business_id, key)
);

-- Users and service accounts in one model (SPEC §1).
CREATE TABLE principals (
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    id           text COLLATE "C" PRIMARY KEY,
    business_id  text COLLATE "C" NOT NULL REFERENCES businesses(id),
    account_type text COLLATE "C" NOT NULL CHECK (account_type IN
                   ('human', 'service_automation', 'service_integration', 'service_apikey')),
    name         text COLLATE "C" NOT NULL,
    name_key     text COLLATE "C" NOT NULL,           -- case-folded name (R-SA-1)
    api_name     text COLLATE "C",                    -- NULL for humans (R-SA-2)
    email        text COLLATE "C" NOT NULL,
    description  text COLLATE "C" NOT NULL DEFAULT '',
    icon         text COLLATE "C" NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    suspended_at timestamptz,
    archived_at  timestamptz,
    last_used_at timestamptz,
    -- R-KEY-11: who created it, so a lineage can be followed.
    created_by   text COLLATE "C" NOT NULL DEFAULT 'system'
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
CREATE INDEX principals_by_creator ON principals (created_by);

CREATE TABLE groups (
    id          text COLLATE "C" PRIMARY KEY,
    business_id text COLLATE "C" NOT NULL REFERENCES businesses(id),
    name        text COLLATE "C" NOT NULL,
    name_key    text COLLATE "C" NOT NULL,
    description text COLLATE "C" NOT NULL DEFAULT '',
    builtin     boolean NOT NULL DEFAULT false,
    protected   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (business_id, name_key)
);

CREATE TABLE group_permissions (
    group_id text COLLATE "C" NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    perm_key text COLLATE "C" NOT NULL,
    level    text COLLATE "C" NOT NULL CHECK (level IN ('none', 'view', 'edit', 'remove')),
    PRIMARY KEY (group_id, perm_key)
);

CREATE TABLE principal_groups (
    principal_id text COLLATE "C" NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
    group_id     text COLLATE "C" NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (principal_id, group_id)
);
CREATE INDEX principal_groups_by_group ON principal_groups (group_id);

-- API keys (SPEC §3). Only the SHA-256 of a secret is looked up (R-KEY-2);
-- sealed holds it encrypted when key retrieval is on (R-KEY-10).
CREATE TABLE api_keys (
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    id           text COLLATE "C" PRIMARY KEY,
    business_id  text COLLATE "C" NOT NULL REFERENCES businesses(id),
    principal_id text COLLATE "C" NOT NULL REFERENCES principals(id),
    name         text COLLATE "C" NOT NULL DEFAULT '',
    hash         bytea NOT NULL UNIQUE,
    hint         text COLLATE "C" NOT NULL,
    sealed       bytea,
    created_at   timestamptz NOT NULL,
    created_by   text COLLATE "C" NOT NULL,
    expires_at   timestamptz,
    disabled_at  timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_keys_by_principal ON api_keys (principal_id, created_at, seq);

-- R-KEY-10: one data key per business, wrapped by the master key.
CREATE TABLE business_keys (
    business_id text COLLATE "C" PRIMARY KEY REFERENCES businesses(id),
    wrapped     bytea NOT NULL,
    created_at  timestamptz NOT NULL
);

-- R-TOK-2: token signing keys, sealed under the business's data key. A
-- retired key keeps verifying until the longest token it signed has expired.
CREATE TABLE signing_keys (
    id          text COLLATE "C" PRIMARY KEY,
    business_id text COLLATE "C" NOT NULL REFERENCES businesses(id),
    sealed      bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    retired_at  timestamptz
);
CREATE INDEX signing_keys_by_business ON signing_keys (business_id, created_at);

-- Deleted keys leave their SHA-256 behind, never the secret, so verification
-- can say "revoked" or "account not active" instead of "unknown".
CREATE TABLE deleted_keys (
    hash         bytea PRIMARY KEY,
    key_id       text COLLATE "C" NOT NULL,
    business_id  text COLLATE "C" NOT NULL REFERENCES businesses(id),
    principal_id text COLLATE "C" NOT NULL REFERENCES principals(id),
    deleted_at   timestamptz NOT NULL
);

-- Personal tokens of human users (R-USER-2), same hashing as API keys (R-KEY-2).
CREATE TABLE user_tokens (
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    id           text COLLATE "C" PRIMARY KEY,
    business_id  text COLLATE "C" NOT NULL REFERENCES businesses(id),
    principal_id text COLLATE "C" NOT NULL REFERENCES principals(id),
    name         text COLLATE "C" NOT NULL DEFAULT '',
    hash         bytea NOT NULL UNIQUE,
    hint         text COLLATE "C" NOT NULL,
    created_at   timestamptz NOT NULL,
    created_by   text COLLATE "C" NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX user_tokens_by_principal ON user_tokens (principal_id, created_at, seq);

-- Minted signed tokens are recorded by id until they expire, so they can be
-- listed and revoked (R-TOK-4). The token itself is never stored: a row
-- holds its id and claims, nothing that authenticates.
CREATE TABLE minted_tokens (
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    id           text COLLATE "C" PRIMARY KEY,
    business_id  text COLLATE "C" NOT NULL REFERENCES businesses(id),
    principal_id text COLLATE "C" NOT NULL REFERENCES principals(id),
    execution    text COLLATE "C" NOT NULL DEFAULT '',
    signing_key  text COLLATE "C" NOT NULL,
    issued_at    timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    created_by   text COLLATE "C" NOT NULL,
    revoked_at   timestamptz,
    revoked_by   text COLLATE "C"
);
CREATE INDEX minted_tokens_by_expiry ON minted_tokens (business_id, expires_at);

-- Append-only audit log (R-AUD-1), hash-chained per business (R-AUD-2), with
-- sequence numbers 1, 2, … within each business. actor_credential is the
-- credential the actor used as canonical JSON (R-AUD-4), NULL when none was.
-- details and actor_credential are text, not jsonb: the bytes stored are
-- the bytes written, as in SQLite.
CREATE TABLE audit_events (
    business_id      text COLLATE "C" NOT NULL REFERENCES businesses(id),
    seq              bigint NOT NULL,
    id               text COLLATE "C" NOT NULL UNIQUE,
    time             timestamptz NOT NULL,
    actor_id         text COLLATE "C" NOT NULL,
    actor_name       text COLLATE "C" NOT NULL,
    actor_type       text COLLATE "C" NOT NULL,
    actor_credential text COLLATE "C",
    action           text COLLATE "C" NOT NULL,
    target_type      text COLLATE "C" NOT NULL,
    target_id        text COLLATE "C" NOT NULL,
    target_name      text COLLATE "C" NOT NULL,
    details          text COLLATE "C" NOT NULL,
    prev_hash        text COLLATE "C" NOT NULL,
    hash             text COLLATE "C" NOT NULL,
    PRIMARY KEY (business_id, seq)
);
-- The primary key is the by-business index.
CREATE INDEX audit_by_target ON audit_events (business_id, target_id, seq);
CREATE INDEX audit_by_actor ON audit_events (business_id, actor_id, seq);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
