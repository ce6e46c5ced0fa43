-- When each chunk of an object body kept in the database was written, so that an opener removes
-- only bodies no version names that are older than its grace period (a younger one may be another
-- process's PUT in flight). Rows written before this migration count as written now.
ALTER TABLE s3_bodies ADD COLUMN written_at timestamptz NOT NULL DEFAULT now();
