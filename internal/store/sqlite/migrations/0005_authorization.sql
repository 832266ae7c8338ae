-- sactl schema, version 5: what the authorization model needs.
--
-- R-KEY-11: every principal records who created it, so a service account's
-- lineage (the accounts it created, directly or through accounts it created)
-- can be followed. Principals made before this version get the actor of the
-- audit event that created them; the automation account and anything with no
-- such event were made by sactl itself.
ALTER TABLE principals ADD COLUMN created_by TEXT NOT NULL DEFAULT 'system';
UPDATE principals SET created_by = coalesce((
    SELECT a.actor_id FROM audit_events a
    WHERE a.business_id = principals.business_id AND a.target_id = principals.id
      AND a.action IN ('service_account.created', 'user.created')
    ORDER BY a.seq LIMIT 1), 'system');
CREATE INDEX principals_by_creator ON principals (created_by);

-- R-PERM-10: introspection needs the sactl permission introspection=view,
-- which the built-in groups hold at remove like every sactl permission.
INSERT OR IGNORE INTO group_permissions (group_id, perm_key, level)
    SELECT id, 'introspection', 'remove' FROM groups WHERE builtin = 1;

-- R-AUD-4: the credential an actor used (type, id and, for a signed token,
-- its execution id) as canonical JSON; NULL when none was (a local operator).
ALTER TABLE audit_events ADD COLUMN actor_credential TEXT;
