-- sactl PostgreSQL schema, version 8: the change counter of the
-- verification caches (P-3). Every write takes a number from it before and
-- after it commits; every cached verification reads its last value, so a
-- replica never answers from its cache after a change another replica
-- completed. A sequence, so writers never wait for each other on it.
CREATE SEQUENCE sactl_changes AS bigint;

-- The keyset orders of paged lists (R-SRV-6): a page is an index range
-- scan from the cursor on, never a sort of the whole list.
CREATE INDEX principals_by_creation ON principals (business_id, created_at, id);
CREATE INDEX minted_tokens_by_issue ON minted_tokens (business_id, issued_at, id);
