-- sactl schema, version 2: the sealing and signing material of SPEC §3-4.

-- R-KEY-10: one data key per business, wrapped by the master key.
CREATE TABLE business_keys (
    business_id TEXT PRIMARY KEY REFERENCES businesses(id),
    wrapped     BLOB NOT NULL,
    created_at  TEXT NOT NULL
) WITHOUT ROWID;

-- R-TOK-2: token signing keys, sealed under the business's data key. A
-- retired key keeps verifying until the longest token it signed has expired.
CREATE TABLE signing_keys (
    id          TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses(id),
    sealed      BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);
CREATE INDEX signing_keys_by_business ON signing_keys (business_id, created_at);

-- Deleted keys leave their SHA-256 behind, never the secret, so verification
-- can say "revoked" or "account not active" instead of "unknown".
CREATE TABLE deleted_keys (
    hash         BLOB PRIMARY KEY,
    key_id       TEXT NOT NULL,
    business_id  TEXT NOT NULL REFERENCES businesses(id),
    principal_id TEXT NOT NULL REFERENCES principals(id),
    deleted_at   TEXT NOT NULL
) WITHOUT ROWID;
