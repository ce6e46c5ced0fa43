-- A BlockStore's metadata (see src/ebs/postgres-block-metadata.ts), beside the key store's and the
-- object store's tables. Records are the store's own JSON, stored as text so that each row's MAC
-- (under a key derived from the root key, which the database never sees) covers exactly the bytes
-- read back.

-- One row: the store's head. Every change locks it (SELECT … FOR UPDATE), so changes are serial:
-- change_seq counts them.
CREATE TABLE ebs_store (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  root_key_check text NOT NULL,
  change_seq bigint NOT NULL
);

-- Volumes, snapshots, the account's settings (one row, id 'account') and attachments. seq is the
-- change_seq of the change that last wrote the row; a removed record stays as a row with a NULL
-- record (a tombstone), so other processes learn of the removal. An attachment's id is
-- [VolumeId, InstanceId, "attached" | "retiring"] as JSON; its holder is the process that made it:
-- the key of a session-level advisory lock that process holds while it runs, so an attachment
-- whose holder's lock is free is one whose process is gone.
CREATE TABLE ebs_volumes (id text PRIMARY KEY, seq bigint NOT NULL, record text, mac text NOT NULL);
CREATE INDEX ebs_volumes_seq ON ebs_volumes (seq);
CREATE TABLE ebs_snapshots (id text PRIMARY KEY, seq bigint NOT NULL, record text, mac text NOT NULL);
CREATE INDEX ebs_snapshots_seq ON ebs_snapshots (seq);
CREATE TABLE ebs_settings (id text PRIMARY KEY, seq bigint NOT NULL, record text, mac text NOT NULL);
CREATE TABLE ebs_attachments (id text PRIMARY KEY, seq bigint NOT NULL, record text, mac text NOT NULL, holder integer);
CREATE INDEX ebs_attachments_seq ON ebs_attachments (seq);
