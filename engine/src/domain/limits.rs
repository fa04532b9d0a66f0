//! Every input limit of the API, in one place (the .proto comments state the same numbers).

/// Longest slug, in characters.
pub const SLUG_MAX: usize = 100;
/// Longest post title, in characters.
pub const TITLE_MAX: usize = 200;
/// Largest Markdown body, in bytes.
pub const MARKDOWN_MAX_BYTES: usize = 1 << 20;
/// Most tags on one post.
pub const TAGS_PER_POST_MAX: usize = 20;
/// Longest tag name, in characters.
pub const TAG_NAME_MAX: usize = 60;
/// Longest description of a tag or SEO description, in characters.
pub const DESCRIPTION_MAX: usize = 500;
/// Longest URL, in characters.
pub const URL_MAX: usize = 2048;
/// Longest image alternative text, in characters.
pub const ALT_TEXT_MAX: usize = 300;
/// Longest author display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 100;
/// Longest author biography, in characters.
pub const BIO_MAX: usize = 1000;
/// Longest email address, in characters.
pub const EMAIL_MAX: usize = 254;
/// Password length bounds, in characters.
pub const PASSWORD_MIN: usize = 12;
/// See [`PASSWORD_MIN`].
pub const PASSWORD_MAX: usize = 256;
/// Longest commenter name, in characters.
pub const COMMENTER_NAME_MAX: usize = 80;
/// Longest comment body, in characters.
pub const COMMENT_BODY_MAX: usize = 5000;
/// Longest client key for comment rate limiting, in characters.
pub const CLIENT_KEY_MAX: usize = 128;
/// Longest search query, in characters.
pub const SEARCH_QUERY_MAX: usize = 200;
