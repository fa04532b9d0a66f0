-- A tag is its name, in any case: "Rust" and "rust" are one tag, and two
-- different names never share a slug silently (the engine numbers the second
-- one's slug, "c" then "c-2"). The engine writes `name_key`, the name in
-- Unicode lower case (`domain::name_key`): PostgreSQL's lower() follows the
-- database's collation, and under C it leaves "ПРИВЕТ" as it is. Rows from
-- before get lower(); renames could have left two tags whose names differ
-- only in case: the later ones keep their slug and take it into their name.
ALTER TABLE tags ADD COLUMN name_key text;
UPDATE tags SET name_key = lower(name);
UPDATE tags t SET name = t.name || ' (' || t.slug || ')', name_key = lower(t.name || ' (' || t.slug || ')')
  FROM tags first
 WHERE first.name_key = t.name_key
   AND (first.create_time, first.slug) < (t.create_time, t.slug);
ALTER TABLE tags ALTER COLUMN name_key SET NOT NULL;
CREATE UNIQUE INDEX tags_name_key ON tags (name_key);
-- Listings order by the same key.
DROP INDEX tags_name_idx;
CREATE INDEX tags_listing_idx ON tags (name_key, slug);
