-- The PostgreSQL key store's tables (see src/kms/postgres-key-store.ts). Records are the KMS's own
-- JSON, stored as text so that each row's MAC covers exactly the bytes read back; key material in a
-- key record is wrapped under the root key, which the database never sees.

-- One row: the store's head. Every commit locks it (SELECT … FOR UPDATE), so commits are serial:
-- change_seq counts committed state changes, audit_count and audit_mac are the audit chain's end.
CREATE TABLE kms_store (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  root_key_check text NOT NULL,
  change_seq bigint NOT NULL,
  audit_count bigint NOT NULL,
  audit_mac text NOT NULL
);

-- Keys (their policy, tags, rotation and every key-material version, wrapped, inside the record),
-- aliases and grants. seq is the change_seq of the commit that last wrote the row; a deleted record
-- stays as a row with a NULL record (a tombstone), so other processes learn of the deletion.
CREATE TABLE kms_keys (key_id text PRIMARY KEY, seq bigint NOT NULL, record text, mac text NOT NULL);
CREATE INDEX kms_keys_seq ON kms_keys (seq);
CREATE TABLE kms_aliases (alias_name text PRIMARY KEY, seq bigint NOT NULL, record text, mac text NOT NULL);
CREATE INDEX kms_aliases_seq ON kms_aliases (seq);
CREATE TABLE kms_grants (grant_id text PRIMARY KEY, seq bigint NOT NULL, record text, mac text NOT NULL);
CREATE INDEX kms_grants_seq ON kms_grants (seq);

-- The audit trail: one HMAC chain (each record holds its sequence, the previous MAC and its own).
CREATE TABLE kms_audit (sequence bigint PRIMARY KEY, record text NOT NULL);
