-- sactl SQLite schema, version 8. PostgreSQL's 0008 adds the change counter
-- of the verification caches, which SQLite needs not (the WAL index tells);
-- both add the indexes of the keyset orders of paged lists (R-SRV-6): a
-- page is an index range scan from the cursor on, never a sort of the
-- whole list.
CREATE INDEX principals_by_creation ON principals (business_id, created_at, id);
CREATE INDEX minted_tokens_by_issue ON minted_tokens (business_id, issued_at, id);
