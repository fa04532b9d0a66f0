-- The media library (quire.v1.MediaService).
--
-- media_files holds bytes, content-addressed: a cleaned original or one of its
-- variants, stored once however many items or formats name it. In PostgreSQL
-- so that one backup holds everything and every engine replica sees every
-- file. A file is served by path (`/media/{original sha256}/{name}`), through
-- media_items (the original) or media_variants.
CREATE TABLE media_files (
    sha256       bytea PRIMARY KEY CHECK (length(sha256) = 32),
    content_type text NOT NULL,
    byte_size    bigint NOT NULL CHECK (byte_size = length(bytes)),
    bytes        bytea NOT NULL
);
-- The bytes are already compressed images: storing them as they are spares
-- PostgreSQL a pointless compression attempt on every write and read.
ALTER TABLE media_files ALTER COLUMN bytes SET STORAGE EXTERNAL;

CREATE TABLE media_items (
    id              uuid PRIMARY KEY,
    -- The SHA-256 of the bytes as uploaded: the same upload is one item.
    upload_sha256   bytea NOT NULL UNIQUE CHECK (length(upload_sha256) = 32),
    -- The cleaned original (orientation applied, metadata stripped).
    original_sha256 bytea NOT NULL REFERENCES media_files (sha256),
    filename        text NOT NULL,
    width           integer NOT NULL CHECK (width > 0),
    height          integer NOT NULL CHECK (height > 0),
    alt_text        text NOT NULL DEFAULT '',
    caption         text NOT NULL DEFAULT '',
    focal_x         real CHECK (focal_x BETWEEN 0 AND 1),
    focal_y         real CHECK (focal_y BETWEEN 0 AND 1),
    -- Null when a service (an API key) uploaded it.
    uploader_id     uuid REFERENCES authors (id),
    -- quire.v1.MediaState numbers: 1 processing, 2 ready, 3 failed.
    state           smallint NOT NULL DEFAULT 1 CHECK (state IN (1, 2, 3)),
    failure         text NOT NULL DEFAULT '',
    -- The variant job's claim: an engine holds it until then, and another
    -- takes the job over once it has passed (the first one died).
    lease_until     timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    revision        bigint NOT NULL DEFAULT 1
);
CREATE INDEX media_items_listing_idx ON media_items (create_time DESC, id DESC);
CREATE INDEX media_items_original_idx ON media_items (original_sha256);
CREATE INDEX media_items_pending_idx ON media_items (create_time) WHERE state = 1;

CREATE TABLE media_variants (
    item_id      uuid NOT NULL REFERENCES media_items (id) ON DELETE CASCADE,
    -- The file name in the item's path: `{width}.{ext}`.
    name         text NOT NULL,
    width        integer NOT NULL CHECK (width > 0),
    height       integer NOT NULL CHECK (height > 0),
    file_sha256  bytea NOT NULL REFERENCES media_files (sha256),
    PRIMARY KEY (item_id, name)
);
CREATE INDEX media_variants_file_idx ON media_variants (file_sha256);
