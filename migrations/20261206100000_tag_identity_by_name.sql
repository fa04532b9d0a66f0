-- A tag is its name, in any case: "Rust" and "rust" are one tag, and two
-- different names never share a slug silently (the engine numbers the second
-- one's slug, "c" then "c-2"). Renames could leave two tags whose names differ
-- only in case; the later ones keep their slug and take it into their name.
UPDATE tags t SET name = t.name || ' (' || t.slug || ')'
  FROM tags first
 WHERE lower(first.name) = lower(t.name)
   AND (first.create_time, first.slug) < (t.create_time, t.slug);

CREATE UNIQUE INDEX tags_name_key ON tags (lower(name));
