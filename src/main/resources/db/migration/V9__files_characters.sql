-- Uploaded and fetched reference images, bytes kept in PostgreSQL so that every node sees the
-- same files. A file lives until expires_at, and past it while a character or an open
-- generation names it (FileStore's "held" rule); the purge deletes only files neither live nor held.
CREATE TABLE files (
  id          text PRIMARY KEY,
  team_id     text NOT NULL REFERENCES teams(id),
  mime_type   text NOT NULL,
  bytes       integer NOT NULL,
  width       integer NOT NULL,
  height      integer NOT NULL,
  content     bytea NOT NULL,
  source_url  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX files_team_newest ON files(team_id, id DESC);
CREATE INDEX files_expiry ON files(expires_at);

-- Characters are synthesized by a background job on any node, claimed with a lease like a
-- generation: source_references are what the client sent, reference_image_urls the file ids
-- the job made of them once ready.
ALTER TABLE characters
  ADD COLUMN source_references jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN failure_reason text,
  ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN ready_at timestamptz,
  ADD COLUMN claimed_by text,
  ADD COLUMN lease_expires_at timestamptz,
  ADD COLUMN attempts integer NOT NULL DEFAULT 0;
CREATE INDEX characters_team_newest ON characters(team_id, id DESC);
CREATE INDEX characters_synthesizing ON characters(created_at) WHERE status = 'synthesizing';
-- The "held" rule asks which characters and open generations name a file.
CREATE INDEX characters_reference_files ON characters USING gin (reference_image_urls);
CREATE INDEX characters_source_files ON characters USING gin (source_references);
CREATE INDEX generations_open_reference_files ON generations USING gin (reference_image_urls)
  WHERE status IN ('pending', 'processing');
