-- Generated PNGs, readable by every node; a reaper deletes rows past expires_at.
CREATE TABLE generation_outputs (
  generation_id  text NOT NULL REFERENCES generations(id),
  idx            integer NOT NULL,
  png            bytea NOT NULL,
  expires_at     timestamptz NOT NULL,
  PRIMARY KEY (generation_id, idx)
);
CREATE INDEX generation_outputs_expiry ON generation_outputs(expires_at);

-- Secrets every node must agree on (the output-link signing key), minted once by whichever node starts first.
CREATE TABLE server_secrets (
  name        text PRIMARY KEY,
  value       bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
