-- Every mutation is idempotent by its request_id (AIP-155): a key belongs to
-- one caller and one request (its fingerprint), and keeps the response the
-- first call answered, written in the same transaction as the effect, so a
-- retry after an ambiguous failure answers it again instead of writing twice.
-- Keys of the previous form (CreatePost/CreateComment, a resource id and no
-- caller) cannot answer in the new one; they expire within a day anyway.
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys
    DROP CONSTRAINT idempotency_keys_pkey,
    DROP COLUMN resource_id,
    ADD COLUMN caller text NOT NULL,
    ADD COLUMN fingerprint bytea NOT NULL,
    ADD COLUMN response bytea,
    ADD PRIMARY KEY (caller, method, request_id);
