-- Per-key overrides of the per-team rate limits (ratelimit/, README "Rate limits"). NULL: the
-- configured default applies; 0: unlimited for this key; N: the key's own limit. The V7 trigger
-- already notifies aurous_keys on every api_keys update, so every node's key cache (which carries
-- these values with the key) forgets the old values at commit.
ALTER TABLE api_keys
  ADD COLUMN rate_limit_requests   bigint CHECK (rate_limit_requests >= 0),
  ADD COLUMN rate_limit_concurrent bigint CHECK (rate_limit_concurrent >= 0);
