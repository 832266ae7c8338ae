-- sactl PostgreSQL schema, version 9: per-account admins (R-SA-12, seed
-- 003). A row names a user who may manage that one service account as if
-- they held service_accounts=edit on it alone (the service's rule).
-- Removing the user or archiving the account removes the row (the service
-- does); the foreign keys keep a row from naming a principal that is not
-- there.
CREATE TABLE account_admins (
    principal_id text COLLATE "C" NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
    user_id      text COLLATE "C" NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (principal_id, user_id)
);
CREATE INDEX account_admins_by_user ON account_admins (user_id);
