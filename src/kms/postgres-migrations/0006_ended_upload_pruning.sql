-- Ended multipart uploads' tombstones are pruned (see src/s3/postgres-object-metadata.ts): ended_at
-- says when an upload's rows became tombstones (NULL while it is live; the tombstones already here
-- count as ended now), and s3_store.uploads_pruned_seq is the highest seq of a tombstone pruned so
-- far: a process whose rows are older than that can no longer learn of every end from the
-- tombstones, so it reads the live uploads whole instead.
ALTER TABLE s3_uploads ADD COLUMN ended_at timestamptz;
UPDATE s3_uploads SET ended_at = now() WHERE record IS NULL;
CREATE INDEX s3_uploads_ended ON s3_uploads (ended_at) WHERE record IS NULL;
ALTER TABLE s3_store ADD COLUMN uploads_pruned_seq bigint NOT NULL DEFAULT 0;
