-- Styles that do something (issue 11). A catalog entry is either a single LoRA (an adapter the
-- model carries, named adapter_name) or a bundle (a named set of LoRAs with weights, members in
-- lora_bundle_members). Both live in one table and one id space, so lora_id, GET /v1/loras and
-- the generation's LEFT JOIN treat them alike ("catalog uniformity").
ALTER TABLE loras
  ADD COLUMN kind           text NOT NULL DEFAULT 'lora' CHECK (kind IN ('lora', 'bundle')),
  ADD COLUMN adapter_name   text,          -- the adapter's name in the model; NULL: a style without weights
  ADD COLUMN adapter_weight double precision NOT NULL DEFAULT 1.0,
  ADD COLUMN description    text,
  ADD COLUMN style_template text,          -- '{prompt}, soft pastel colours': what enhance_prompt rewrites with
  ADD COLUMN keywords       text[] NOT NULL DEFAULT '{}',   -- whole words that auto-pick this style
  ADD COLUMN created_at     timestamptz NOT NULL DEFAULT now(),
  -- Removed entries stay (generations keep their name) but lose slug and UUID, so neither resolves
  -- any more and both may be reused.
  ADD COLUMN removed_at     timestamptz,
  ADD CONSTRAINT loras_bundle_has_no_adapter CHECK (kind = 'lora' OR adapter_name IS NULL);

CREATE TABLE lora_bundle_members (
  bundle_id  text NOT NULL REFERENCES loras(id) ON DELETE CASCADE,
  lora_id    text NOT NULL REFERENCES loras(id) ON DELETE RESTRICT,
  weight     double precision NOT NULL CHECK (weight > 0 AND weight <= 4),
  position   integer NOT NULL,
  PRIMARY KEY (bundle_id, lora_id)
);
CREATE INDEX lora_bundle_members_member ON lora_bundle_members(lora_id);

-- What the generation records about its style and prompt: the client's own prompt (prompt holds
-- the one actually used), how the style was chosen, and who rewrote the prompt (and why the
-- fallback ran, when it did).
ALTER TABLE generations
  ADD COLUMN original_prompt         text,
  ADD COLUMN lora_selection          text CHECK (lora_selection IN ('requested', 'auto')),
  ADD COLUMN prompt_enhancer         text CHECK (prompt_enhancer IN ('llm', 'template')),
  ADD COLUMN prompt_enhance_fallback text;

-- The built-in styles: the three adapters the built-in model ships (pastel, neon, monochrome)
-- and one bundle of two of them. Ids and UUIDs are fixed, so clients may hard-code them.
INSERT INTO loras (id, slug, legacy_uuid, name, kind, adapter_name, description, style_template, keywords,
                   default_steps, default_guidance_scale, default_cfg_rescale, default_denoise_strength) VALUES
  ('lora_01JEKX5A000000000000000001', 'pastel', '3b0f6c1e-5a41-4d6e-9c1a-000000000001', 'Pastel', 'lora', 'pastel',
   'Soft, light, low-contrast pastel colours.',
   '{prompt}, soft pastel colours, gentle light, airy',
   '{pastel,pastels,soft colours,soft colors,watercolour,watercolor}', 12, 3.5, 0.6, 0.55),
  ('lora_01JEKX5A000000000000000002', 'neon', '3b0f6c1e-5a41-4d6e-9c1a-000000000002', 'Neon', 'lora', 'neon',
   'Saturated glowing neon hues on dark ground.',
   '{prompt}, glowing neon colours, vivid, high saturation, dark background',
   '{neon,cyberpunk,synthwave,glowing}', 12, 5.5, 0.75, 0.65),
  ('lora_01JEKX5A000000000000000003', 'monochrome', '3b0f6c1e-5a41-4d6e-9c1a-000000000003', 'Monochrome', 'lora', 'monochrome',
   'Black and white, strong luminance contrast.',
   '{prompt}, black and white, monochrome, high contrast',
   '{monochrome,black and white,grayscale,greyscale,noir}', 11, 4.5, 0.7, 0.6),
  ('lora_01JEKX5A000000000000000004', 'neon-pastel', '3b0f6c1e-5a41-4d6e-9c1a-000000000004', 'Neon Pastel', 'bundle', NULL,
   'Neon glow softened with pastel: both adapters at reduced weight.',
   '{prompt}, pastel neon glow, soft vivid colours',
   '{vaporwave}', 12, 4.5, 0.7, 0.6);

INSERT INTO lora_bundle_members (bundle_id, lora_id, weight, position) VALUES
  ('lora_01JEKX5A000000000000000004', 'lora_01JEKX5A000000000000000002', 0.6, 0),
  ('lora_01JEKX5A000000000000000004', 'lora_01JEKX5A000000000000000001', 0.6, 1);
