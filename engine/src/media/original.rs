//! From an upload to the original the library keeps: the format from the
//! bytes, the size checked from the header before anything is decoded, the
//! whole image decoded (a truncated or damaged file is refused here, not
//! later), turned upright, and written out again from its pixels alone.
//!
//! Writing it out again is what makes the original safe to serve: nothing but
//! the picture survives, so no EXIF (GPS positions, camera serials), no XMP or
//! comments, and no bytes hidden after the image or inside it (a polyglot's
//! HTML or script).

use std::io::Cursor;

use image::{AnimationDecoder, DynamicImage, ImageDecoder, ImageReader, Limits};

use super::encode;
use super::{Format, MAX_PIXELS, MAX_SIDE};

/// Why an upload is not taken; the message is for the uploader.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error(
        "is not a JPEG, PNG, WebP, GIF or AVIF image (judged from its bytes, not its name; SVG is refused because it can carry script)"
    )]
    UnsupportedType,
    #[error(
        "is an AVIF image, which this engine cannot decode yet: upload it as JPEG, PNG or WebP"
    )]
    AvifInput,
    #[error(
        "is {width} × {height} pixels; at most {MAX_PIXELS} pixels and {MAX_SIDE} on a side are taken"
    )]
    TooLarge { width: u64, height: u64 },
    #[error("is an animation of more than {MAX_PIXELS} pixels in all its frames")]
    AnimationTooLarge,
    #[error("is damaged or truncated: {0}")]
    Damaged(String),
}

/// Why cleaning an upload did not give an original.
#[derive(Debug, thiserror::Error)]
pub enum CleanError {
    /// The upload's fault.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Ours: pixels that decoded would not encode.
    #[error("encoding the original failed: {0}")]
    Encode(#[from] image::ImageError),
}

/// An original as the library keeps it.
#[derive(Debug)]
pub struct Cleaned {
    pub bytes: Vec<u8>,
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// Whether it has more than one frame (an animated GIF): variants would
    /// lose the animation, so it gets none.
    pub animated: bool,
}

/// The original of `upload`, or why it is refused. CPU-heavy (a full decode
/// and encode): call it off the async threads.
pub fn clean(upload: &[u8]) -> Result<Cleaned, CleanError> {
    let format = Format::sniff(upload).ok_or(Refusal::UnsupportedType)?;
    if format == Format::Avif {
        return Err(Refusal::AvifInput.into());
    }
    if format == Format::Jpeg && !jpeg_is_whole(upload) {
        return Err(Refusal::Damaged("the JPEG ends before its image does".to_owned()).into());
    }
    let reader = ImageReader::with_format(Cursor::new(upload), format.image_format());
    let mut decoder = reader.into_decoder().map_err(damaged)?;
    let (width, height) = decoder.dimensions();
    check_size(width, height)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // The decoded pixels (at most 8 bytes each, 16-bit PNG with alpha) and
    // the decoder's own buffers.
    limits.max_alloc = Some(MAX_PIXELS * 8 + 64 * 1024 * 1024);
    decoder.set_limits(limits).map_err(damaged)?;
    if format == Format::Gif {
        return clean_gif(upload, width, height);
    }
    let orientation = decoder.orientation().map_err(damaged)?;
    let mut pixels = DynamicImage::from_decoder(decoder).map_err(damaged)?;
    pixels.apply_orientation(orientation);
    let bytes = encode::original(&pixels, format)?;
    Ok(Cleaned {
        bytes,
        format,
        width: pixels.width(),
        height: pixels.height(),
        animated: false,
    })
}

/// Whether a JPEG's end-of-image marker follows its first scan. The decoder
/// fills a truncated image in with grey rather than failing; the marker
/// cannot occur inside the compressed data (0xFF bytes there are escaped).
fn jpeg_is_whole(bytes: &[u8]) -> bool {
    const START_OF_SCAN: [u8; 2] = [0xFF, 0xDA];
    const END_OF_IMAGE: [u8; 2] = [0xFF, 0xD9];
    bytes
        .windows(2)
        .position(|pair| pair == START_OF_SCAN)
        .is_some_and(|scan| bytes[scan..].windows(2).any(|pair| pair == END_OF_IMAGE))
}

fn check_size(width: u32, height: u32) -> Result<(), Refusal> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS || width > MAX_SIDE || height > MAX_SIDE {
        return Err(Refusal::TooLarge {
            width: width.into(),
            height: height.into(),
        });
    }
    Ok(())
}

/// A GIF keeps all its frames (and their timing): an animation stays one.
fn clean_gif(upload: &[u8], width: u32, height: u32) -> Result<Cleaned, CleanError> {
    let decoder = image::codecs::gif::GifDecoder::new(Cursor::new(upload)).map_err(damaged)?;
    let frame_pixels = u64::from(width) * u64::from(height);
    let mut frames = Vec::new();
    for frame in decoder.into_frames() {
        if (frames.len() as u64 + 1) * frame_pixels > MAX_PIXELS {
            return Err(Refusal::AnimationTooLarge.into());
        }
        frames.push(frame.map_err(damaged)?);
    }
    if frames.is_empty() {
        return Err(Refusal::Damaged("has no frames".to_owned()).into());
    }
    let animated = frames.len() > 1;
    let bytes = encode::gif(frames)?;
    Ok(Cleaned {
        bytes,
        format: Format::Gif,
        width,
        height,
        animated,
    })
}

fn damaged(error: impl std::fmt::Display) -> Refusal {
    Refusal::Damaged(error.to_string())
}
