-- sactl schema, version 3: personal tokens of human users (R-USER-2), same
-- hashing as API keys (R-KEY-2).
CREATE TABLE user_tokens (
    id           TEXT PRIMARY KEY,
    business_id  TEXT NOT NULL REFERENCES businesses(id),
    principal_id TEXT NOT NULL REFERENCES principals(id),
    name         TEXT NOT NULL DEFAULT '',
    hash         BLOB NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
);
CREATE INDEX user_tokens_by_principal ON user_tokens (principal_id, created_at);
