-- Quire's content schema: authors and their credentials, tags, posts with
-- their revisions and slug history, comments, idempotency keys, and the
-- change log (transactional outbox) that caches and subscribers follow.

-- Authors -------------------------------------------------------------------

CREATE TABLE authors (
    id            uuid PRIMARY KEY,
    slug          text NOT NULL UNIQUE,
    display_name  text NOT NULL,
    email         text NOT NULL,
    password_hash text NOT NULL,
    bio           text NOT NULL DEFAULT '',
    avatar_url    text NOT NULL DEFAULT '',
    website_url   text NOT NULL DEFAULT '',
    -- quire.v1.AuthorRole numbers.
    role          smallint NOT NULL CHECK (role BETWEEN 1 AND 4),
    version       bigint NOT NULL DEFAULT 1,
    create_time   timestamptz NOT NULL DEFAULT now(),
    update_time   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX authors_email_key ON authors (lower(email));

-- Session tokens and API keys are stored as SHA-256 digests: both are long
-- random secrets, so a slow hash adds nothing but latency on every call.
CREATE TABLE sessions (
    token_digest bytea PRIMARY KEY,
    author_id    uuid NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    create_time  timestamptz NOT NULL DEFAULT now(),
    expire_time  timestamptz NOT NULL
);
CREATE INDEX sessions_author_id_idx ON sessions (author_id);

CREATE TABLE api_keys (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    key_digest  bytea NOT NULL UNIQUE,
    scopes      text[] NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    revoke_time timestamptz
);

-- Failed sign-ins, for throttling password guessing.
CREATE TABLE sign_in_failures (
    email       text NOT NULL,
    fail_time   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_email_idx ON sign_in_failures (lower(email), fail_time);

-- Tags ----------------------------------------------------------------------

CREATE TABLE tags (
    slug        text PRIMARY KEY,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    version     bigint NOT NULL DEFAULT 1,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tags_name_idx ON tags (lower(name), slug);

-- Posts ---------------------------------------------------------------------

CREATE TABLE posts (
    id                   uuid PRIMARY KEY,
    slug                 text NOT NULL UNIQUE,
    -- quire.v1.PostKind and quire.v1.PostStatus numbers.
    kind                 smallint NOT NULL CHECK (kind IN (1, 2)),
    status               smallint NOT NULL CHECK (status BETWEEN 1 AND 4),
    title                text NOT NULL,
    markdown             text NOT NULL,
    -- Rendered once at write time, so that reads never render.
    html                 text NOT NULL,
    toc                  jsonb NOT NULL,
    excerpt              text NOT NULL,
    plain_text           text NOT NULL,
    word_count           integer NOT NULL,
    reading_time_minutes integer NOT NULL,
    author_id            uuid NOT NULL REFERENCES authors (id),
    cover_image_url      text NOT NULL DEFAULT '',
    cover_image_alt      text NOT NULL DEFAULT '',
    meta_title           text NOT NULL DEFAULT '',
    meta_description     text NOT NULL DEFAULT '',
    canonical_url        text NOT NULL DEFAULT '',
    publish_time         timestamptz,
    -- Listing order: the publish time once published or scheduled, the
    -- create time before. Keyset pagination runs on (sort_time, id).
    sort_time            timestamptz NOT NULL,
    revision             bigint NOT NULL DEFAULT 1,
    version              bigint NOT NULL DEFAULT 1,
    comment_count        integer NOT NULL DEFAULT 0,
    create_time          timestamptz NOT NULL DEFAULT now(),
    update_time          timestamptz NOT NULL DEFAULT now(),
    search               tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, plain_text), 'B')
    ) STORED
);
CREATE INDEX posts_listing_idx ON posts (status, kind, sort_time DESC, id DESC);
CREATE INDEX posts_author_listing_idx ON posts (author_id, status, kind, sort_time DESC, id DESC);
CREATE INDEX posts_search_idx ON posts USING gin (search);
CREATE INDEX posts_scheduled_idx ON posts (publish_time) WHERE status = 2;

CREATE TABLE post_tags (
    post_id  uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_slug text NOT NULL REFERENCES tags (slug),
    position smallint NOT NULL,
    PRIMARY KEY (post_id, tag_slug)
);
CREATE INDEX post_tags_tag_idx ON post_tags (tag_slug, post_id);

-- Earlier slugs of posts: they still find the post, which answers with its
-- current slug so that the web can redirect permanently.
CREATE TABLE post_slug_history (
    slug        text PRIMARY KEY,
    post_id     uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    retire_time timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX post_slug_history_post_idx ON post_slug_history (post_id, retire_time DESC);

CREATE TABLE post_revisions (
    post_id          uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    revision         bigint NOT NULL,
    slug             text NOT NULL,
    title            text NOT NULL,
    markdown         text NOT NULL,
    tags             jsonb NOT NULL,
    cover_image_url  text NOT NULL,
    cover_image_alt  text NOT NULL,
    meta_title       text NOT NULL,
    meta_description text NOT NULL,
    canonical_url    text NOT NULL,
    editor_id        uuid REFERENCES authors (id) ON DELETE SET NULL,
    create_time      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, revision)
);

-- Comments ------------------------------------------------------------------

CREATE TABLE comments (
    id           uuid PRIMARY KEY,
    post_id      uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_name  text NOT NULL,
    author_email text NOT NULL DEFAULT '',
    body         text NOT NULL,
    -- quire.v1.CommentStatus numbers.
    status       smallint NOT NULL CHECK (status BETWEEN 1 AND 3),
    client_key   text NOT NULL DEFAULT '',
    create_time  timestamptz NOT NULL DEFAULT now(),
    update_time  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_post_idx ON comments (post_id, status, create_time, id);
CREATE INDEX comments_queue_idx ON comments (status, create_time DESC, id DESC);
CREATE INDEX comments_client_idx ON comments (client_key, create_time) WHERE client_key <> '';
CREATE INDEX comments_email_idx ON comments (lower(author_email), status) WHERE author_email <> '';

-- Idempotent creates --------------------------------------------------------

CREATE TABLE idempotency_keys (
    method      text NOT NULL,
    request_id  uuid NOT NULL,
    resource_id uuid NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (method, request_id)
);
CREATE INDEX idempotency_keys_age_idx ON idempotency_keys (create_time);

-- Change log (transactional outbox) -----------------------------------------

-- One row, locked by every writer for the rest of its transaction: sequence
-- numbers are handed out in commit order, so a subscriber that has seen N
-- never later finds a smaller number committed behind it.
CREATE TABLE change_sequence (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last      bigint NOT NULL
);
INSERT INTO change_sequence (last) VALUES (0);

CREATE TABLE changes (
    sequence             bigint PRIMARY KEY,
    -- quire.v1.ChangeKind number.
    kind                 smallint NOT NULL,
    change_time          timestamptz NOT NULL DEFAULT now(),
    post_id              uuid,
    slug                 text NOT NULL DEFAULT '',
    previous_slug        text NOT NULL DEFAULT '',
    post_kind            smallint NOT NULL DEFAULT 0,
    status               smallint NOT NULL DEFAULT 0,
    was_published        boolean NOT NULL DEFAULT false,
    tag_slugs            text[] NOT NULL DEFAULT '{}',
    removed_tag_slugs    text[] NOT NULL DEFAULT '{}',
    author_slug          text NOT NULL DEFAULT '',
    previous_author_slug text NOT NULL DEFAULT '',
    tag_slug             text NOT NULL DEFAULT ''
);
CREATE INDEX changes_time_idx ON changes (change_time);
