//! The media library's heavy work, done once: what an upload is (from its
//! bytes), its cleaned original (upright, without metadata), and its variants.

pub mod encode;
pub mod format;
pub mod original;
pub mod variants;
pub mod worker;

pub use format::Format;
pub use original::{CleanError, Cleaned, Refusal, clean};

use crate::store::media::MediaRecord;

/// The histogram of seconds spent making one item's variants.
pub const VARIANTS_SECONDS: &str = "quire_media_variants_seconds";

/// Most bytes of one upload (the contract's limit).
pub const MAX_UPLOAD_BYTES: usize = 25 * 1024 * 1024;

/// Most bytes of one UploadMedia chunk.
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;

/// Most pixels of one image (all of an animation's frames together): what a
/// 50-megapixel camera makes. Checked from the header, before decoding.
pub const MAX_PIXELS: u64 = 50_000_000;

/// Longest side, in pixels: a 1 × 50,000,000 strip is no photo.
pub const MAX_SIDE: u32 = 20_000;

/// The path the web serves the file `name` of an item under: content-hashed
/// by its original's SHA-256, so it never changes.
pub fn path(original_sha256: &[u8], name: &str) -> String {
    format!("/media/{}/{name}", hex::encode(original_sha256))
}

/// The original's SHA-256 and the file name of a `/media/{sha256}/{name}`
/// path (`name` is `original.{ext}` or `{width}.{ext}`, the hash lower-case
/// hex), or `None`: the one rule for what a media path is.
pub fn parse_path(path: &str) -> Option<(Vec<u8>, &str)> {
    let (hash, name) = path.strip_prefix("/media/")?.split_once('/')?;
    let lower_hex =
        hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let sha256 = hex::decode(hash).ok().filter(|_| lower_hex)?;
    let (stem, extension) = name.split_once('.')?;
    let stem_ok = stem == "original"
        || (!stem.is_empty() && stem.len() <= 5 && stem.bytes().all(|b| b.is_ascii_digit()));
    let known = ["jpg", "png", "webp", "gif", "avif"].contains(&extension);
    (stem_ok && known).then_some((sha256, name))
}

/// The path of `item`'s original: `original.{its extension}`.
pub fn original_path(item: &MediaRecord) -> String {
    let extension = Format::from_content_type(&item.content_type).map_or("bin", Format::extension);
    path(&item.original_sha256, &format!("original.{extension}"))
}

#[cfg(test)]
mod tests {
    use super::parse_path;

    #[test]
    fn only_media_paths_parse() {
        let hash = "ab".repeat(32);
        assert!(parse_path(&format!("/media/{hash}/original.jpg")).is_some());
        assert!(parse_path(&format!("/media/{hash}/640.avif")).is_some());
        assert!(parse_path(&format!("/media/{hash}/640.svg")).is_none());
        assert!(parse_path(&format!("/media/{hash}/../x.jpg")).is_none());
        assert!(parse_path(&format!("/media/{}/original.jpg", hash.to_uppercase())).is_none());
        assert!(parse_path("/media/abcd/original.jpg").is_none());
        assert!(parse_path(&format!("/other/{hash}/original.jpg")).is_none());
    }
}
