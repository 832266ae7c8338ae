-- sactl PostgreSQL schema, version 8: the change counter of the
-- verification caches (P-3). Every write takes a number from it before and
-- after it commits; every cached verification reads its last value, so a
-- replica never answers from its cache after a change another replica
-- completed. A sequence, so writers never wait for each other on it.
CREATE SEQUENCE sactl_changes AS bigint;
