-- Every API node caches key look-ups (auth/KeyCache) and LISTENs on aurous_keys. Whatever changes
-- a key or the team data cached with it (the CLI in another process, a hand-written UPDATE)
-- notifies here, at commit, so every node evicts within a second. Balance changes notify nothing:
-- balances are not cached (credits are checked inside the create transaction).

CREATE FUNCTION aurous_notify_api_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM pg_notify('aurous_keys', 'key:' || OLD.key_hash);
  END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.key_hash IS DISTINCT FROM OLD.key_hash) THEN
    PERFORM pg_notify('aurous_keys', 'key:' || NEW.key_hash);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER api_keys_notify AFTER INSERT OR UPDATE OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION aurous_notify_api_key();

CREATE FUNCTION aurous_notify_team() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.name IS DISTINCT FROM OLD.name OR NEW.pinned_version IS DISTINCT FROM OLD.pinned_version THEN
    PERFORM pg_notify('aurous_keys', 'team:' || OLD.id);
  END IF;
  RETURN NULL;
END $$;

-- UPDATE OF: the credit ledger's balance updates do not fire it at all.
CREATE TRIGGER teams_notify AFTER UPDATE OF id, name, pinned_version OR DELETE ON teams
  FOR EACH ROW EXECUTE FUNCTION aurous_notify_team();
