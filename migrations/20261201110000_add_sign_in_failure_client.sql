-- Sign-in failures are throttled per account and client (AuthenticateRequest.client_key),
-- so failures from one client cannot lock the real author out from another.
ALTER TABLE sign_in_failures ADD COLUMN client_key text NOT NULL DEFAULT '';
CREATE INDEX sign_in_failures_client_idx ON sign_in_failures (lower(email), client_key, fail_time);
