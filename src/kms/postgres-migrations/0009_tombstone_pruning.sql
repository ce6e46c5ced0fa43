-- Every store's tombstones are pruned (see src/kms/postgres-tombstones.ts), as ended uploads' are
-- (0006): deleted_at says when a row became a tombstone (NULL while it holds a record; the
-- tombstones already here count as deleted now), stamped by a trigger whenever a write gives the
-- row a new seq, so that no write can forget it; each head's pruned_seq is the highest seq of a tombstone pruned from its tables so far: a
-- process whose state is older than that cannot learn of every deletion from the tombstones, so its
-- catch-up reads the live rows whole and drops what it holds that is not among them.
CREATE FUNCTION kms_wasm_stamp_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.seq IS DISTINCT FROM OLD.seq THEN
    NEW.deleted_at := CASE WHEN NEW.record IS NULL THEN now() END;
  END IF;
  RETURN NEW;
END
$$;

DO $$
DECLARE
  tables text[] := ARRAY['kms_keys', 'kms_aliases', 'kms_grants', 's3_buckets', 's3_versions',
    'ebs_volumes', 'ebs_snapshots', 'ebs_settings', 'ebs_attachments', 'iam_users', 'iam_access_keys', 'iam_principal_policies'];
  t text;
BEGIN
  FOREACH t IN ARRAY tables LOOP
    EXECUTE format('ALTER TABLE %I ADD COLUMN deleted_at timestamptz', t);
    EXECUTE format('UPDATE %I SET deleted_at = now() WHERE record IS NULL', t);
    EXECUTE format('CREATE INDEX %I ON %I (deleted_at) WHERE record IS NULL', t || '_deleted', t);
    EXECUTE format('CREATE TRIGGER stamp_tombstone BEFORE INSERT OR UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION kms_wasm_stamp_tombstone()', t);
  END LOOP;
END
$$;

ALTER TABLE kms_store ADD COLUMN pruned_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE s3_store ADD COLUMN pruned_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE ebs_store ADD COLUMN pruned_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE iam_store ADD COLUMN pruned_seq bigint NOT NULL DEFAULT 0;
