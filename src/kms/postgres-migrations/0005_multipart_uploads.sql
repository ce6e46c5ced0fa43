-- Multipart uploads in progress (see src/s3/upload-records.ts), so that an upload started through one
-- process takes parts and completes through another: a row per upload (part_number 0: its settings)
-- and per part (1–10000: body id, size, ETag, checksum), each a record as JSON text with its MAC, as
-- s3_versions. seq is the change_seq of the change that last wrote the row; an ended upload (completed
-- or aborted) leaves its rows as tombstones (NULL record), so other processes learn of the end.
CREATE TABLE s3_uploads (
  upload_id text NOT NULL,
  part_number integer NOT NULL,
  seq bigint NOT NULL,
  record text,
  mac text NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);
CREATE INDEX s3_uploads_seq ON s3_uploads (seq);
