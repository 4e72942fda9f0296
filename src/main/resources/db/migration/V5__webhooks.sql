-- Webhooks: a durable outbox. A delivery row is written in the same transaction as the
-- generation's terminal transition, so a committed succeeded/failed generation with a
-- webhook_url always has exactly one delivery, whichever node later sends it.

-- Per-team signing secret (Standard Webhooks "whsec_<base64>"), created on first need.
CREATE TABLE webhook_secrets (
  team_id     text PRIMARY KEY REFERENCES teams(id),
  secret      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  id                text PRIMARY KEY,                       -- whd_<ulid>
  generation_id     text NOT NULL REFERENCES generations(id),
  team_id           text NOT NULL REFERENCES teams(id),
  event             text NOT NULL CHECK (event IN ('image.completed', 'image.failed')),
  url               text NOT NULL,
  webhook_id        text NOT NULL UNIQUE,                   -- msg_<ulid>, the same on every attempt
  payload           text NOT NULL,                          -- frozen at enqueue: the GET object at the terminal commit
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts          integer NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  -- The node sending the current attempt and until when; an expired lease is free to take.
  claimed_by        text,
  lease_expires_at  timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  completed_at      timestamptz,
  last_status_code  integer,
  last_error        text
);
-- One terminal event per generation.
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries(generation_id, event);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
  delivery_id  text NOT NULL REFERENCES webhook_deliveries(id),
  attempt      integer NOT NULL,
  started_at   timestamptz NOT NULL,
  duration_ms  bigint NOT NULL,
  status_code  integer,
  error        text,
  claimed_by   text NOT NULL,                               -- the node that made the attempt
  PRIMARY KEY (delivery_id, attempt)
);
