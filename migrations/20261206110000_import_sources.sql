-- What each imported item was on the platform it came from, so a second run
-- of the same export changes nothing and an interrupted one continues: one
-- row per source item, written in the same transaction as the item.
CREATE TABLE import_sources (
    source      text NOT NULL,           -- 'wordpress:<site link>'
    source_id   text NOT NULL,           -- 'post:123', 'author:login', 'comment:7'
    entity_id   uuid NOT NULL,           -- the post, author or comment made of it
    source_url  text NOT NULL DEFAULT '', -- its old address, for redirects
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, source_id)
);
