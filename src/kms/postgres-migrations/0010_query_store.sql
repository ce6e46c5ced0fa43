-- The query service's state (src/query/postgres-query-store.ts): the catalog, a row per database
-- with its tables, and the execution history, a row per execution; so every service on the database
-- sees the tables the others created and reports and lists the executions they ran. Records are
-- JSON text, each row with its MAC (under a key derived from the root key, which the database never
-- sees), a deleted record staying as a tombstone (NULL record) that is pruned as the other stores'
-- (0009_tombstone_pruning.sql).

-- One row: the head. Every change locks it (SELECT … FOR UPDATE), so changes are serial: change_seq
-- counts them.
CREATE TABLE query_store (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  root_key_check text NOT NULL,
  change_seq bigint NOT NULL,
  pruned_seq bigint NOT NULL DEFAULT 0
);

-- seq: the change_seq of the change that last wrote the row; added_seq: of the change that added the
-- record, and added_rank its place among the records that change added (both kept while it lives,
-- so records keep the order they were added in: ListQueryExecutions lists the newest first).
CREATE TABLE query_databases (id text PRIMARY KEY, seq bigint NOT NULL, added_seq bigint NOT NULL, added_rank integer NOT NULL,
  record text, mac text NOT NULL, deleted_at timestamptz);
CREATE TABLE query_executions (id text PRIMARY KEY, seq bigint NOT NULL, added_seq bigint NOT NULL, added_rank integer NOT NULL,
  record text, mac text NOT NULL, deleted_at timestamptz);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['query_databases', 'query_executions'] LOOP
    EXECUTE format('CREATE INDEX %I ON %I (seq)', t || '_seq', t);
    EXECUTE format('CREATE INDEX %I ON %I (deleted_at) WHERE record IS NULL', t || '_deleted', t);
    EXECUTE format('CREATE TRIGGER stamp_tombstone BEFORE INSERT OR UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION kms_wasm_stamp_tombstone()', t);
  END LOOP;
END
$$;
