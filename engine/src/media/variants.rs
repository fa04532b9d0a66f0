//! An original's variants: at each of a set of widths (never wider than the
//! original), in AVIF, WebP and a fallback every browser shows (JPEG, or PNG
//! for an image with transparency), resized with SIMD (fast_image_resize).

use std::io::Cursor;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageReader, ImageResult};

use super::Format;
use super::encode::{
    self, JpegLayout, VARIANT_AVIF_QUALITY, VARIANT_AVIF_SPEED, VARIANT_JPEG_QUALITY,
    VARIANT_WEBP_QUALITY,
};

/// The widths of variants: a phone's, a column's, a laptop's and a wide
/// screen's, at one and two device pixels per CSS pixel.
pub const WIDTHS: [u32; 6] = [320, 640, 960, 1280, 1920, 2560];

/// One variant, encoded.
#[derive(Debug)]
pub struct Variant {
    /// Its file name under the item's path: `{width}.{extension}`.
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub format: Format,
    pub bytes: Vec<u8>,
}

/// The widths an image `width` pixels wide gets: each of [`WIDTHS`] up to
/// its own, and its own when it is narrower than the widest.
pub fn widths(width: u32) -> Vec<u32> {
    let mut widths: Vec<u32> = WIDTHS.into_iter().filter(|&w| w <= width).collect();
    if width < WIDTHS[WIDTHS.len() - 1] && !widths.contains(&width) {
        widths.push(width);
    }
    widths
}

/// The height of a `width`-wide variant of a `from`-sized image.
fn height_at(width: u32, (from_width, from_height): (u32, u32)) -> u32 {
    let height = (u64::from(from_height) * u64::from(width) + u64::from(from_width) / 2)
        / u64::from(from_width);
    u32::try_from(height).unwrap_or(u32::MAX).max(1)
}

/// Every variant of `original` (an original the library wrote). CPU-heavy:
/// call it off the async threads.
///
/// The widest variant is resized from the original, the others from it: the
/// decoded original (72 MB for 24 MP) is dropped before any encoder runs, and
/// the smaller resizes read a tenth of the pixels.
pub fn make(original: &[u8], format: Format) -> ImageResult<Vec<Variant>> {
    let pixels = ImageReader::with_format(Cursor::new(original), format.image_format()).decode()?;
    let fallback = if pixels.color().has_alpha() {
        Format::Png
    } else {
        Format::Jpeg
    };
    let size = (pixels.width(), pixels.height());
    let mut widths = widths(size.0);
    widths.sort_unstable_by(|a, b| b.cmp(a));
    let mut resizer = Resizer::new();
    let Some((&widest, narrower)) = widths.split_first() else {
        return Ok(Vec::new());
    };
    let widest_pixels = if widest == size.0 {
        pixels
    } else {
        let widest_pixels = resize(&mut resizer, &pixels, widest, height_at(widest, size))?;
        drop(pixels);
        widest_pixels
    };
    let mut variants = encode_all(&widest_pixels, fallback)?;
    for &width in narrower {
        let resized = resize(&mut resizer, &widest_pixels, width, height_at(width, size))?;
        variants.extend(encode_all(&resized, fallback)?);
    }
    Ok(variants)
}

fn resize(
    resizer: &mut Resizer,
    pixels: &DynamicImage,
    width: u32,
    height: u32,
) -> ImageResult<DynamicImage> {
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    let mut resized = DynamicImage::new(width, height, pixels.color());
    resizer
        .resize(pixels, &mut resized, &options)
        .map_err(|error| {
            image::ImageError::Parameter(image::error::ParameterError::from_kind(
                image::error::ParameterErrorKind::Generic(error.to_string()),
            ))
        })?;
    Ok(resized)
}

/// `pixels` in AVIF, WebP and `fallback`.
fn encode_all(pixels: &DynamicImage, fallback: Format) -> ImageResult<Vec<Variant>> {
    [Format::Avif, Format::Webp, fallback]
        .into_iter()
        .map(|format| {
            let bytes = match format {
                Format::Avif => encode::avif(pixels, VARIANT_AVIF_QUALITY, VARIANT_AVIF_SPEED)?,
                Format::Webp => encode::webp(pixels, VARIANT_WEBP_QUALITY)?,
                Format::Jpeg => {
                    encode::jpeg(pixels, VARIANT_JPEG_QUALITY, JpegLayout::Progressive)?
                }
                _ => encode::png(pixels)?,
            };
            Ok(Variant {
                name: format!("{}.{}", pixels.width(), format.extension()),
                width: pixels.width(),
                height: pixels.height(),
                format,
                bytes,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_wider_than_the_original() {
        assert_eq!(widths(4000), vec![320, 640, 960, 1280, 1920, 2560]);
        assert_eq!(widths(1000), vec![320, 640, 960, 1000]);
        assert_eq!(widths(640), vec![320, 640]);
        assert_eq!(widths(100), vec![100]);
        assert_eq!(widths(2560), vec![320, 640, 960, 1280, 1920, 2560]);
    }

    #[test]
    fn heights_keep_the_aspect_ratio() {
        assert_eq!(height_at(320, (4000, 3000)), 240);
        assert_eq!(height_at(320, (1000, 1)), 1);
        assert_eq!(height_at(640, (641, 427)), 426);
    }
}
