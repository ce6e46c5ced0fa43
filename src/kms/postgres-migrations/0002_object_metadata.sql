-- An ObjectStore's metadata (see src/s3/postgres-object-metadata.ts), beside the key store's tables
-- (one migration sequence per schema). Records are the store's own JSON, stored as text so that each
-- row's MAC (under a key derived from the root key, which the database never sees) covers exactly the
-- bytes read back.

-- One row: the store's head. Every change locks it (SELECT … FOR UPDATE), so changes are serial:
-- change_seq counts them. sse_s3_root_keys: every SSE-S3 root key version, sealed (AES-256-GCM)
-- under a key derived from the root key.
CREATE TABLE s3_store (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  root_key_check text NOT NULL,
  change_seq bigint NOT NULL,
  sse_s3_root_keys text NOT NULL
);

-- Buckets (settings and policy) and object versions. seq is the change_seq of the change that last
-- wrote the row (a key's versions are ordered by it, oldest first); a removed bucket or version
-- stays as a row with a NULL record (a tombstone), so other processes learn of the removal.
CREATE TABLE s3_buckets (name text PRIMARY KEY, seq bigint NOT NULL, record text, mac text NOT NULL);
CREATE INDEX s3_buckets_seq ON s3_buckets (seq);
CREATE TABLE s3_versions (
  bucket text NOT NULL,
  key text NOT NULL,
  version_id text NOT NULL,
  seq bigint NOT NULL,
  record text,
  mac text NOT NULL,
  PRIMARY KEY (bucket, key, version_id)
);
CREATE INDEX s3_versions_seq ON s3_versions (seq);

-- Object bodies, when the store keeps them in the database (no `bodies` directory): each body in
-- chunks of 1 MiB (the last shorter, an empty body one empty chunk), ciphertext when encrypted.
CREATE TABLE s3_bodies (body_id text NOT NULL, chunk integer NOT NULL, data bytea NOT NULL, PRIMARY KEY (body_id, chunk));
