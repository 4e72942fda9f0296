-- Which worker's result was committed: operators (and the cluster tests) see how work spread,
-- and that a generation run twice after a lost lease still has exactly one result.
ALTER TABLE generations ADD COLUMN completed_by text;
-- Rescue and claim scan open rows by lease expiry.
CREATE INDEX generations_leases ON generations(lease_expires_at) WHERE status IN ('pending', 'processing');
