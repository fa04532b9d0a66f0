-- Each change records the cache tags it invalidates (quire.v1.Change.cache_tags),
-- computed by the engine when the change is written. Changes recorded before
-- this column existed invalidate everything.
ALTER TABLE changes ADD COLUMN cache_tags text[] NOT NULL DEFAULT '{all}';
ALTER TABLE changes ALTER COLUMN cache_tags DROP DEFAULT;
