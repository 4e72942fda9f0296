-- The cluster node (Hazelcast member id) whose worker holds a claim, so the surviving nodes can
-- return a departed node's claims at once instead of waiting for their leases to expire.
ALTER TABLE generations ADD COLUMN claimed_node text;
