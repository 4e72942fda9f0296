CREATE TABLE generations (
  id                    text PRIMARY KEY,
  team_id               text NOT NULL REFERENCES teams(id),
  status                text NOT NULL CHECK (status IN ('pending', 'processing', 'succeeded', 'failed', 'cancelled')),
  prompt                text NOT NULL,
  negative_prompt       text,
  lora_id               text,
  character_id          text,
  width                 integer NOT NULL,
  height                integer NOT NULL,
  size_preset           text,
  steps                 integer NOT NULL,
  guidance_scale        double precision NOT NULL,
  cfg_rescale           double precision NOT NULL,
  denoise_strength      double precision,
  seed                  bigint NOT NULL,
  image_count           integer NOT NULL,
  enhance_prompt        boolean NOT NULL,
  webhook_url           text,
  reference_image_urls  jsonb,
  inference_type        text NOT NULL,
  cost                  jsonb NOT NULL,
  cost_amount           bigint NOT NULL,
  aurous_version        text NOT NULL,
  creation_request_id   text NOT NULL,
  error_message         text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  started_at            timestamptz,
  completed_at          timestamptz,
  duration_ms           bigint,
  -- The worker that holds the generation and until when; an expired lease is free to take.
  claimed_by            text,
  lease_expires_at      timestamptz,
  attempts              integer NOT NULL DEFAULT 0
);
CREATE INDEX generations_team_newest ON generations(team_id, id DESC);
CREATE INDEX generations_open ON generations(created_at) WHERE status IN ('pending', 'processing');

CREATE TABLE idempotency_keys (
  team_id        text NOT NULL REFERENCES teams(id),
  key            text NOT NULL,
  request_hash   text NOT NULL,
  state          text NOT NULL CHECK (state IN ('in_flight', 'done')),
  status_code    integer,
  response_body  text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (team_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys(created_at);

-- Catalogs the estimate and create paths look ids up in; filled by a later issue.
CREATE TABLE loras (
  id                      text PRIMARY KEY,
  slug                    text UNIQUE,
  legacy_uuid             uuid UNIQUE,
  name                    text NOT NULL,
  team_id                 text REFERENCES teams(id),   -- NULL: a public LoRA
  default_steps           integer,
  default_guidance_scale  double precision,
  default_cfg_rescale     double precision,
  default_denoise_strength double precision
);

CREATE TABLE characters (
  id               text PRIMARY KEY,
  legacy_uuid      uuid UNIQUE,
  team_id          text NOT NULL REFERENCES teams(id),
  name             text NOT NULL,
  status           text NOT NULL CHECK (status IN ('synthesizing', 'reviewing', 'ready', 'failed')),
  reference_image_urls jsonb NOT NULL DEFAULT '[]',
  consistency_denoise_strength double precision
);
