-- Teams own API keys, a credit balance and (later) webhook secrets.
-- balance is a cached sum of credit_ledger rows for the team, updated in the same transaction
-- as every ledger insert; the invariant balance = sum(ledger) is checked by the tests.
CREATE TABLE teams (
  id              text PRIMARY KEY,
  name            text NOT NULL UNIQUE,
  balance         bigint NOT NULL DEFAULT 0 CHECK (balance >= 0),
  pinned_version  text,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  team_id     text NOT NULL REFERENCES teams(id),
  key_hash    text NOT NULL UNIQUE,           -- SHA-256 of the whole key; the key itself is never stored
  key_prefix  text NOT NULL,                  -- first characters, so operators can tell keys apart
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE credit_ledger (
  id             bigserial PRIMARY KEY,
  team_id        text NOT NULL REFERENCES teams(id),
  generation_id  text,
  kind           text NOT NULL CHECK (kind IN ('grant', 'reserve', 'commit', 'release')),
  amount         bigint NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_ledger_team ON credit_ledger(team_id);
-- A generation is reserved, committed and released at most once each, whatever races happen.
CREATE UNIQUE INDEX credit_ledger_once ON credit_ledger(generation_id, kind) WHERE generation_id IS NOT NULL;
