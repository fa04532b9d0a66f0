// Issue 16's baseline: an image's responsive variants made with sharp (libvips), the way
// Next.js's image optimiser and Payload's upload collections make theirs, at the engine's
// widths, formats and quality settings (engine/src/media/variants.rs, encode.rs).
//
// `node --import tsx src/variants.ts <file>...` prints one JSON line per file:
// { file, width, height, ms, variants: [{ width, format, bytes }] }.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

/** The engine's variant widths (variants::WIDTHS). */
const WIDTHS = [320, 640, 960, 1280, 1920, 2560];
/** The engine's variant qualities (encode::VARIANT_*_QUALITY), sharp's own defaults. */
const QUALITY = { avif: 50, webp: 80, jpeg: 80 } as const;

/** Each of WIDTHS up to the image's own, and its own when narrower than the widest (variants::widths). */
function widthsFor(width: number): number[] {
  const widths = WIDTHS.filter((w) => w <= width);
  if (width < WIDTHS[WIDTHS.length - 1]! && !widths.includes(width)) widths.push(width);
  return widths;
}

type Format = 'avif' | 'webp' | 'jpeg' | 'png';

/** Every variant of `input`, encoded concurrently on libvips's threads as a Node service would. */
async function variants(input: Buffer) {
  const image = sharp(input, { limitInputPixels: 50_000_000 });
  const { width, height, hasAlpha } = await image.metadata();
  const fallback: Format = hasAlpha ? 'png' : 'jpeg';
  const jobs = widthsFor(width).flatMap((w) =>
    (['avif', 'webp', fallback] as const).map(async (format) => {
      const resized = image.clone().resize({ width: w, kernel: 'lanczos3' });
      const encoded =
        format === 'avif'
          ? resized.avif({ quality: QUALITY.avif })
          : format === 'webp'
            ? resized.webp({ quality: QUALITY.webp })
            : format === 'jpeg'
              ? resized.jpeg({ quality: QUALITY.jpeg, progressive: true, optimiseCoding: true })
              : resized.png();
      const bytes = await encoded.toBuffer();
      return { width: w, format, bytes: bytes.length };
    }),
  );
  return { width, height, variants: await Promise.all(jobs) };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: variants.ts <file>...');
  process.exit(2);
}
// No libvips operation cache between images: each does all its work.
sharp.cache(false);
for (const file of files) {
  const input = await readFile(file);
  const started = performance.now();
  const made = await variants(input);
  const ms = performance.now() - started;
  console.log(JSON.stringify({ file, ...made, ms }));
}
