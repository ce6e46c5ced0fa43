-- The library's identity policies (Iam with a PostgresIamPolicies store, src/kms/postgres-iam-policies.ts),
-- beside the service's IAM tables and under the same head: a change to either takes iam_store's lock
-- and the next change_seq, so both are serial, whoever makes them. A row per principal and policy
-- name, the policy's JSON text as its record and its MAC as the other IAM rows' (postgres-row-auth.ts);
-- a deleted policy stays as a tombstone (NULL record), so other processes learn of the deletion.
-- The head may now be made by the library, which has no account or root access key: a server
-- starting later on the database fills them in.
ALTER TABLE iam_store ALTER COLUMN account DROP NOT NULL, ALTER COLUMN root DROP NOT NULL;
CREATE TABLE iam_principal_policies (
  principal_arn text NOT NULL,
  policy_name text NOT NULL,
  seq bigint NOT NULL,
  record text,
  mac text NOT NULL,
  PRIMARY KEY (principal_arn, policy_name)
);
CREATE INDEX iam_principal_policies_seq ON iam_principal_policies (seq);
