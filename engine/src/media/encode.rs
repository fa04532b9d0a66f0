//! Pixels to bytes: the encoders of originals and variants, and the quality
//! each format is written at.

use std::borrow::Cow;
use std::io::Cursor;

use image::codecs::avif::AvifEncoder;
use image::codecs::gif::{GifEncoder, Repeat};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::error::{EncodingError, ImageFormatHint};
use image::{
    DynamicImage, Frame, GrayImage, ImageEncoder, ImageError, ImageResult, RgbImage, RgbaImage,
};

use super::Format;

/// JPEG quality of an original written again: high enough that writing it
/// once more costs nothing visible.
const ORIGINAL_JPEG_QUALITY: u8 = 90;
/// WebP quality of an original written again.
const ORIGINAL_WEBP_QUALITY: f32 = 90.0;

/// Variants' qualities: those sharp (libvips) defaults to, so that sizes
/// compare at the same setting.
pub const VARIANT_JPEG_QUALITY: u8 = 80;
pub const VARIANT_WEBP_QUALITY: f32 = 80.0;
pub const VARIANT_AVIF_QUALITY: u8 = 50;
/// rav1e's speed (1 slowest, 10 fastest): the point past which slower
/// encoding buys little size.
pub const VARIANT_AVIF_SPEED: u8 = 7;

/// `pixels` as an original in `format` (a GIF goes through [`gif`]).
pub fn original(pixels: &DynamicImage, format: Format) -> ImageResult<Vec<u8>> {
    match format {
        Format::Jpeg => jpeg(pixels, ORIGINAL_JPEG_QUALITY, JpegLayout::Streamed),
        Format::Png | Format::Gif | Format::Avif => png(pixels),
        Format::Webp => webp(pixels, ORIGINAL_WEBP_QUALITY),
    }
}

/// How a JPEG is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JpegLayout {
    /// Progressive with optimised Huffman tables: smaller, and shown
    /// coarse-to-fine while loading, but the encoder holds every block of the
    /// image (a 24 MP photo's take ~150 MB).
    Progressive,
    /// Baseline with the standard tables, written as it is encoded: for
    /// originals, whose size in memory matters more than a few percent of bytes.
    Streamed,
}

pub fn jpeg(pixels: &DynamicImage, quality: u8, layout: JpegLayout) -> ImageResult<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut bytes, quality);
    if layout == JpegLayout::Progressive {
        encoder.set_optimized_huffman_tables(true);
        encoder.set_progressive(true);
    }
    let (width, height) = (side(pixels.width())?, side(pixels.height())?);
    let result = if pixels.color().has_color() {
        encoder.encode(
            rgb8(pixels).as_raw(),
            width,
            height,
            jpeg_encoder::ColorType::Rgb,
        )
    } else {
        encoder.encode(
            luma8(pixels).as_raw(),
            width,
            height,
            jpeg_encoder::ColorType::Luma,
        )
    };
    result.map_err(|error| encoding(Format::Jpeg, error))?;
    Ok(bytes)
}

pub fn png(pixels: &DynamicImage) -> ImageResult<Vec<u8>> {
    let mut bytes = Vec::new();
    PngEncoder::new_with_quality(&mut bytes, CompressionType::Default, FilterType::Adaptive)
        .write_image(
            pixels.as_bytes(),
            pixels.width(),
            pixels.height(),
            pixels.color().into(),
        )?;
    Ok(bytes)
}

/// Lossy WebP (libwebp), with alpha when the image has it.
pub fn webp(pixels: &DynamicImage, quality: f32) -> ImageResult<Vec<u8>> {
    let encoded = if pixels.color().has_alpha() {
        let rgba = rgba8(pixels);
        webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height()).encode(quality)
    } else {
        let rgb = rgb8(pixels);
        webp::Encoder::from_rgb(rgb.as_raw(), rgb.width(), rgb.height()).encode(quality)
    };
    Ok(encoded.to_vec())
}

/// AVIF (rav1e), 8-bit, with alpha when the image has it.
pub fn avif(pixels: &DynamicImage, quality: u8, speed: u8) -> ImageResult<Vec<u8>> {
    let mut bytes = Vec::new();
    let encoder = AvifEncoder::new_with_speed_quality(&mut bytes, speed, quality);
    if pixels.color().has_alpha() {
        let rgba = rgba8(pixels);
        encoder.write_image(
            rgba.as_raw(),
            rgba.width(),
            rgba.height(),
            image::ExtendedColorType::Rgba8,
        )?;
    } else {
        let rgb = rgb8(pixels);
        encoder.write_image(
            rgb.as_raw(),
            rgb.width(),
            rgb.height(),
            image::ExtendedColorType::Rgb8,
        )?;
    }
    Ok(bytes)
}

/// An animation, looping as GIFs on the web do.
pub fn gif(frames: Vec<Frame>) -> ImageResult<Vec<u8>> {
    let mut bytes = Cursor::new(Vec::new());
    {
        let mut encoder = GifEncoder::new(&mut bytes);
        encoder.set_repeat(Repeat::Infinite)?;
        encoder.encode_frames(frames)?;
    }
    Ok(bytes.into_inner())
}

/// The pixels as 8-bit RGB, borrowed when they already are (a 24 MP copy is 72 MB).
fn rgb8(pixels: &DynamicImage) -> Cow<'_, RgbImage> {
    match pixels {
        DynamicImage::ImageRgb8(rgb) => Cow::Borrowed(rgb),
        other => Cow::Owned(other.to_rgb8()),
    }
}

fn rgba8(pixels: &DynamicImage) -> Cow<'_, RgbaImage> {
    match pixels {
        DynamicImage::ImageRgba8(rgba) => Cow::Borrowed(rgba),
        other => Cow::Owned(other.to_rgba8()),
    }
}

fn luma8(pixels: &DynamicImage) -> Cow<'_, GrayImage> {
    match pixels {
        DynamicImage::ImageLuma8(luma) => Cow::Borrowed(luma),
        other => Cow::Owned(other.to_luma8()),
    }
}

fn side(pixels: u32) -> ImageResult<u16> {
    u16::try_from(pixels).map_err(|_| encoding(Format::Jpeg, "wider or taller than 65,535 pixels"))
}

fn encoding(format: Format, error: impl std::fmt::Display) -> ImageError {
    ImageError::Encoding(EncodingError::new(
        ImageFormatHint::Exact(format.image_format()),
        error.to_string(),
    ))
}
