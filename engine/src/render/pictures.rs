//! Images of the media library rendered as `<picture>`, and the alt-text
//! rule every published image follows.
//!
//! A Markdown image whose URL is a library path (`/media/{sha256}/…`) becomes
//! a `<picture>`: AVIF and WebP sources and a fallback `<img>`, each with a
//! `srcset` of the item's variants, the original's width and height (the
//! browser reserves the space before the file arrives, so nothing shifts), the
//! alt text (the Markdown's, else the library's), and lazy loading for every
//! image after the first (the first is likely above the fold). An item
//! without variants yet (still processing, or an animation, which gets none)
//! is its original, with the same attributes. Everything written here is
//! checked by the sanitiser like the rest of the post.

use std::collections::HashMap;
use std::fmt::Write as _;

use comrak::nodes::{AstNode, NodeValue};

/// The most distinct library items one body's images are looked up for.
pub const MAX_LIBRARY_IMAGES: usize = 256;

/// How wide an image shows on the page: the article column (48rem less its
/// padding), the viewport less the padding on a narrower screen.
const SIZES: &str = "(min-width: 48rem) 46rem, calc(100vw - 2rem)";

/// The library items a body names, by the hex SHA-256 in their paths.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Library(HashMap<String, LibraryImage>);

impl Library {
    /// Adds the item whose original's SHA-256 is `sha256_hex`.
    pub fn insert(&mut self, sha256_hex: String, image: LibraryImage) {
        self.0.insert(sha256_hex, image);
    }

    fn get(&self, url: &str) -> Option<&LibraryImage> {
        self.0.get(library_hash(url)?)
    }
}

/// What rendering needs of a library item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryImage {
    /// The original's path.
    pub original: String,
    pub width: u32,
    pub height: u32,
    pub alt_text: String,
    pub variants: Vec<LibraryVariant>,
}

/// One variant of a library item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryVariant {
    pub width: u32,
    pub content_type: String,
    pub path: String,
}

/// The hex SHA-256 of every library item `markdown` may name (a path
/// anywhere in it, at most [`MAX_LIBRARY_IMAGES`] distinct), for looking them
/// up before rendering.
pub fn library_hashes(markdown: &str) -> Vec<String> {
    let mut hashes: Vec<String> = Vec::new();
    for (at, _) in markdown.match_indices("/media/") {
        if let Some(hash) = library_hash(&markdown[at..])
            && !hashes.iter().any(|known| known == hash)
        {
            hashes.push(hash.to_owned());
            if hashes.len() == MAX_LIBRARY_IMAGES {
                break;
            }
        }
    }
    hashes
}

/// The hash of `/media/{64 hex digits}/…` at the start of `url`.
fn library_hash(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("/media/")?;
    let hash = rest.get(..64)?;
    let is_hash = hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (is_hash && rest[64..].starts_with('/')).then_some(hash)
}

/// Replaces every image of `root` that names an item of `library` with its
/// `<picture>`.
pub(super) fn place<'a>(root: &'a AstNode<'a>, library: &Library) {
    let images: Vec<&'a AstNode<'a>> = root
        .descendants()
        .filter(|node| matches!(node.data().value, NodeValue::Image(_)))
        .collect();
    for (index, node) in images.into_iter().enumerate() {
        let url = match &node.data().value {
            NodeValue::Image(link) => link.url.clone(),
            _ => continue,
        };
        let Some(image) = library.get(&url) else {
            continue;
        };
        let written_alt = node.collect_text();
        let alt = if written_alt.trim().is_empty() {
            image.alt_text.as_str()
        } else {
            written_alt.as_str()
        };
        let loading = if index == 0 {
            Loading::Eager
        } else {
            Loading::Lazy
        };
        let markup = picture(image, alt, loading);
        for child in node.children().collect::<Vec<_>>() {
            child.detach();
        }
        node.data_mut().value = NodeValue::Raw(markup);
    }
}

/// The `<picture>` of a post's cover when `url` names an item of `library`
/// (fetched first: it is likely the largest thing above the fold), else
/// empty. The alt text is the post's, else the library's.
pub fn cover_picture(url: &str, alt: &str, library: &Library) -> String {
    let Some(image) = library.get(url) else {
        return String::new();
    };
    let alt = if alt.trim().is_empty() {
        image.alt_text.as_str()
    } else {
        alt
    };
    picture(image, alt, Loading::Priority)
}

/// When the browser fetches an image.
#[derive(Debug, Clone, Copy)]
enum Loading {
    /// At once, before other images (`fetchpriority="high"`).
    Priority,
    /// At once.
    Eager,
    /// When it nears the viewport.
    Lazy,
}

/// The `<picture>` (or, without variants, the `<img>`) of `image`.
fn picture(image: &LibraryImage, alt: &str, loading: Loading) -> String {
    let loading = match loading {
        Loading::Priority => r#"loading="eager" fetchpriority="high""#,
        Loading::Eager => r#"loading="eager""#,
        Loading::Lazy => r#"loading="lazy""#,
    };
    let srcset = |content_type: &str| {
        image
            .variants
            .iter()
            .filter(|variant| variant.content_type == content_type)
            .map(|variant| format!("{} {}w", variant.path, variant.width))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut html = String::new();
    let fallback_type = image
        .variants
        .iter()
        .map(|variant| variant.content_type.as_str())
        .find(|content_type| matches!(*content_type, "image/jpeg" | "image/png"));
    let fallback = fallback_type.map(srcset).unwrap_or_default();
    if !fallback.is_empty() {
        html.push_str("<picture>");
        for content_type in ["image/avif", "image/webp"] {
            let set = srcset(content_type);
            if !set.is_empty() {
                let _ = write!(
                    html,
                    r#"<source type="{content_type}" srcset="{set}" sizes="{SIZES}">"#
                );
            }
        }
    }
    // The fallback's `src` is its widest variant, the original's size or less.
    let src = fallback_type
        .and_then(|content_type| {
            image
                .variants
                .iter()
                .filter(|variant| variant.content_type == content_type)
                .max_by_key(|variant| variant.width)
        })
        .map_or(image.original.as_str(), |variant| variant.path.as_str());
    let _ = write!(
        html,
        r#"<img src="{src}" alt="{alt}" width="{}" height="{}" {loading} decoding="async""#,
        image.width,
        image.height,
        alt = escape_attribute(alt),
    );
    if !fallback.is_empty() {
        let _ = write!(html, r#" srcset="{fallback}" sizes="{SIZES}">"#);
        html.push_str("</picture>");
    } else {
        html.push('>');
    }
    html
}

/// `value` escaped for an attribute (or text) of HTML written here.
pub(super) fn escape_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The `src` of every media library image in `html` (a rendered body or
/// cover) that has no alt text: a published post may have none. Images from
/// elsewhere are not judged (a post imported with them stays editable). Read
/// with the HTML tokenizer, so an `alt` in an attribute's value or in text is
/// not mistaken for one.
pub fn library_images_without_alt(html: &str) -> Vec<String> {
    use html5ever::tendril::StrTendril;
    use html5ever::tokenizer::{
        BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
    };

    struct Images(std::cell::RefCell<Vec<String>>);
    impl TokenSink for Images {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            if let Token::TagToken(tag) = token
                && tag.kind == TagKind::StartTag
                && &*tag.name == "img"
            {
                let value = |name: &str| {
                    tag.attrs
                        .iter()
                        .find(|attribute| &*attribute.name.local == name)
                        .map(|attribute| attribute.value.to_string())
                };
                let src = value("src").unwrap_or_default();
                if library_hash(&src).is_some()
                    && value("alt").is_none_or(|alt| alt.trim().is_empty())
                {
                    self.0.borrow_mut().push(src);
                }
            }
            TokenSinkResult::Continue
        }
    }
    if !html.contains("<img") {
        return Vec::new();
    }
    let tokenizer = Tokenizer::new(Images(Default::default()), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12";

    fn item(variants: &[(u32, &str)]) -> LibraryImage {
        LibraryImage {
            original: format!("/media/{HASH}/original.jpg"),
            width: 4000,
            height: 3000,
            alt_text: "A harbour at dusk".into(),
            variants: variants
                .iter()
                .map(|&(width, extension)| LibraryVariant {
                    width,
                    content_type: format!(
                        "image/{}",
                        if extension == "jpg" {
                            "jpeg"
                        } else {
                            extension
                        }
                    ),
                    path: format!("/media/{HASH}/{width}.{extension}"),
                })
                .collect(),
        }
    }

    fn library(image: LibraryImage) -> Library {
        let mut library = Library::default();
        library.insert(HASH.into(), image);
        library
    }

    #[test]
    fn a_library_cover_is_a_picture_fetched_first() {
        let library = library(item(&[(640, "avif"), (640, "webp"), (640, "jpg")]));
        let cover = cover_picture(&format!("/media/{HASH}/original.jpg"), "", &library);
        assert!(cover.starts_with("<picture>"), "{cover}");
        assert!(
            cover.contains(r#"loading="eager" fetchpriority="high""#),
            "{cover}"
        );
        assert!(
            cover.contains(r#"alt="A harbour at dusk""#),
            "the library's alt text: {cover}"
        );
        let written = cover_picture(
            &format!("/media/{HASH}/original.jpg"),
            "Boats \"here\"",
            &library,
        );
        assert!(
            written.contains(r#"alt="Boats &quot;here&quot;""#),
            "{written}"
        );
        assert_eq!(
            cover_picture("https://example.com/cover.jpg", "x", &library),
            ""
        );
        assert_eq!(cover_picture("", "", &library), "");
    }

    #[test]
    fn library_paths_are_found_once_each() {
        let body = format!(
            "![a](/media/{HASH}/original.jpg) ![b](/media/{HASH}/640.webp) /media/short/x.jpg"
        );
        assert_eq!(library_hashes(&body), vec![HASH.to_owned()]);
        assert!(library_hashes("/media/").is_empty());
    }

    #[test]
    fn a_library_image_is_a_picture_of_its_variants() {
        let variants = [
            (320, "avif"),
            (320, "webp"),
            (320, "jpg"),
            (640, "avif"),
            (640, "webp"),
            (640, "jpg"),
        ];
        let body =
            format!("![](/media/{HASH}/original.jpg)\n\n![Second](/media/{HASH}/original.jpg)");
        let html = super::super::render_with(&body, &library(item(&variants)))
            .expect("renders")
            .html;
        assert!(html.contains(r#"<source type="image/avif""#), "{html}");
        assert!(
            html.contains(&format!("/media/{HASH}/640.webp 640w")),
            "{html}"
        );
        assert!(
            html.contains(&format!(r#"src="/media/{HASH}/640.jpg""#)),
            "{html}"
        );
        assert!(html.contains(r#"width="4000" height="3000""#), "{html}");
        // The library's alt text where the Markdown has none; the Markdown's first.
        assert!(html.contains(r#"alt="A harbour at dusk""#), "{html}");
        assert!(html.contains(r#"alt="Second""#), "{html}");
        assert!(html.contains(r#"loading="eager""#) && html.contains(r#"loading="lazy""#));
        assert!(library_images_without_alt(&html).is_empty());
    }

    #[test]
    fn an_item_without_variants_is_its_original() {
        let body = format!("![x](/media/{HASH}/original.jpg)");
        let html = super::super::render_with(&body, &library(item(&[])))
            .expect("renders")
            .html;
        assert!(!html.contains("<picture"), "{html}");
        assert!(
            html.contains(&format!(r#"src="/media/{HASH}/original.jpg""#)),
            "{html}"
        );
        assert!(html.contains(r#"width="4000""#), "{html}");
    }

    #[test]
    fn library_images_without_alt_text_are_found() {
        let markdown = format!(
            "![](https://example.com/a.png) ![](/media/{HASH}/original.jpg) ![b](/media/{HASH}/640.webp)"
        );
        let html = super::super::render(&markdown).expect("renders").html;
        assert_eq!(
            library_images_without_alt(&html),
            vec![format!("/media/{HASH}/original.jpg")]
        );
        let hand_written =
            format!(r#"<p>alt="x" <img src="/media/{HASH}/original.jpg" title='alt="y"'></p>"#);
        assert_eq!(library_images_without_alt(&hand_written).len(), 1);
    }

    #[test]
    fn authors_cannot_write_srcsets_outside_the_library() {
        let html = super::super::render(
            r#"<picture><source srcset="javascript:alert(1) 1x"><img src="/a.png" srcset="https://evil.example/x.png 2x" alt="a"></picture>"#,
        )
        .expect("renders")
        .html;
        assert!(!html.contains("srcset"), "{html}");
    }
}
