-- The identities of `kms-wasm serve --postgres` (see src/service/postgres-iam-store.ts), beside the
-- stores' tables, so that every server on the database authenticates the same access keys and
-- applies the same identity policies. Records are JSON text, each row with its MAC (under a key
-- derived from the root key, which the database never sees); secrets are sealed (AES-256-GCM)
-- under another derived key.

-- One row: the head. Every change locks it (SELECT … FOR UPDATE), so changes are serial: change_seq
-- counts them. account: the account the first server started for (users' ARNs name it); root: the
-- root access key pair, sealed, with the account in its associated data.
CREATE TABLE iam_store (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  root_key_check text NOT NULL,
  change_seq bigint NOT NULL,
  account text NOT NULL,
  root text NOT NULL
);

-- Users (by name, with their inline policies) and access keys (by id, the secret sealed). seq is the
-- change_seq of the change that last wrote the row; a deleted user or key stays as a row with a NULL
-- record (a tombstone), so other servers learn of the deletion.
CREATE TABLE iam_users (id text PRIMARY KEY, seq bigint NOT NULL, record text, mac text NOT NULL);
CREATE INDEX iam_users_seq ON iam_users (seq);
CREATE TABLE iam_access_keys (id text PRIMARY KEY, seq bigint NOT NULL, record text, mac text NOT NULL);
CREATE INDEX iam_access_keys_seq ON iam_access_keys (seq);
