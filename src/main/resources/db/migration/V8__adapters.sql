-- The LoRA adapters a generation runs with, snapshotted at create like its references:
-- [{"name": "pastel", "weight": 1.0}, ...]; NULL or [] = the base model alone.
ALTER TABLE generations ADD COLUMN adapters jsonb;
