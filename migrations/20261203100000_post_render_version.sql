-- Which renderer made a post's derived fields (html, toc, excerpt, plain_text,
-- word count): quire_engine::render::VERSION when it was rendered. Engines
-- render again, in the background, every post made by an older renderer, so
-- an upgrade's rendering fixes reach the posts written before it. Existing
-- posts start at 0: rendered before versions were kept.
ALTER TABLE posts ADD COLUMN render_version integer NOT NULL DEFAULT 0;
CREATE INDEX posts_render_version_idx ON posts (render_version);
