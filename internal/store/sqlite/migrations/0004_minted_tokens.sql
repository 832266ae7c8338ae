-- sactl schema, version 4: minted signed tokens are recorded by id until they
-- expire, so they can be listed and revoked (R-TOK-4). The token itself is
-- never stored: a row holds its id and claims, nothing that authenticates.
CREATE TABLE minted_tokens (
    id           TEXT PRIMARY KEY,
    business_id  TEXT NOT NULL REFERENCES businesses(id),
    principal_id TEXT NOT NULL REFERENCES principals(id),
    execution    TEXT NOT NULL DEFAULT '',
    signing_key  TEXT NOT NULL,
    issued_at    TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    revoked_at   TEXT,
    revoked_by   TEXT
);
-- Listing a business's live tokens and pruning its expired ones; verification
-- reads one row by its primary key.
CREATE INDEX minted_tokens_by_expiry ON minted_tokens (business_id, expires_at);
