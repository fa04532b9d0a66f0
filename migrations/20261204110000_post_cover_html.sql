-- The cover as readers see it when cover_image_url names a media library
-- item: its <picture> (AVIF and WebP sources, a JPEG/PNG srcset, width and
-- height), derived like html and rendered again with it. Empty for a cover
-- elsewhere (the web shows that URL as it is) and for no cover.
ALTER TABLE posts ADD COLUMN cover_html text NOT NULL DEFAULT '';
