import 'server-only';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import notoSansRanges from '@fontsource/noto-sans/unicode.json';
import notoSansHebrewRanges from '@fontsource/noto-sans-hebrew/unicode.json';
import notoSansKrRanges from '@fontsource/noto-sans-kr/unicode.json';
import notoSansScRanges from '@fontsource/noto-sans-sc/unicode.json';
import vazirmatnRanges from '@fontsource/vazirmatn/unicode.json';

/**
 * The fonts of the Open Graph images (app/og/), which satori draws with no
 * font of its own beyond Latin. Only the OG route imports this module.
 *
 * Why these packages: Fontsource ships Google's fonts as WOFF (satori cannot
 * read WOFF2), cut into unicode-range slices, so an image loads only the
 * slices its text needs, a few tens of KB each, where a whole CJK face is
 * ~10 MB per weight (the TTF-only packages ship nothing smaller). In order:
 * Noto Sans (Latin, Greek, Cyrillic, Vietnamese); Vazirmatn for Arabic script,
 * because every Noto Arabic family (Sans, Naskh, Kufi) uses a GSUB lookup
 * (type 5, format 3) that satori's OpenType engine throws on; Noto Sans Hebrew;
 * Noto Sans KR for Hangul only; Noto Sans SC for Han, kana and CJK punctuation
 * (it has kana and traditional forms, but no Hangul).
 *
 * Slice files are read on first use and kept for the life of the process:
 * a title needs a few hundred KB at most, and titles that touched every slice
 * of both weights would hold ~11 MB (SC 6.1, KR 4.8, the rest 0.4). Their paths are computed, so next.config.ts
 * traces them into the standalone output with `outputFileTracingIncludes`.
 */

export type FontWeight = 400 | 700;

/** One entry of satori's (and `ImageResponse`'s) `fonts` option. */
export type OgFont = { name: string; data: Buffer; weight: FontWeight; style: 'normal' };

type CodePointRange = readonly [first: number, last: number];

type Family = {
  /** The Fontsource package, also the folder under node_modules. */
  package: string;
  /** The subsets of unicode.json this family serves: named ones, or all numbered (`[N]`) slices. */
  subsets: readonly string[] | 'numbered';
  /** Code points this family may serve, when its slices' ranges claim more than it draws. */
  serves?: RegExp;
  ranges: Record<string, string>;
};

/** In fallback order: the first family whose slice claims a character draws it. */
const FAMILIES: readonly Family[] = [
  {
    package: '@fontsource/noto-sans',
    subsets: ['latin', 'latin-ext', 'greek', 'greek-ext', 'cyrillic', 'cyrillic-ext', 'vietnamese'],
    ranges: notoSansRanges,
  },
  { package: '@fontsource/vazirmatn', subsets: ['arabic'], ranges: vazirmatnRanges },
  { package: '@fontsource/noto-sans-hebrew', subsets: ['hebrew'], ranges: notoSansHebrewRanges },
  // Google cuts every CJK family along the same ranges, so KR's slices claim Han
  // characters it lacks (simplified forms) and SC's claim Hangul it lacks.
  { package: '@fontsource/noto-sans-kr', subsets: 'numbered', serves: /\p{Script=Hangul}/u, ranges: notoSansKrRanges },
  { package: '@fontsource/noto-sans-sc', subsets: 'numbered', ranges: notoSansScRanges },
];

type Slice = { family: Family; subset: string; ranges: CodePointRange[] };

function parseUnicodeRange(value: string): CodePointRange[] {
  return value.split(',').map((part) => {
    const [first, last = first] = part.trim().replace(/^U\+/i, '').split('-');
    return [Number.parseInt(first ?? '', 16), Number.parseInt(last ?? '', 16)] as const;
  });
}

const SLICES: readonly Slice[] = FAMILIES.flatMap((family) =>
  Object.entries(family.ranges)
    .filter(([subset]) => (family.subsets === 'numbered' ? /^\[\d+\]$/.test(subset) : family.subsets.includes(subset)))
    .map(([subset, range]) => ({ family, subset: subset.replace(/[[\]]/g, ''), ranges: parseUnicodeRange(range) })),
);

function sliceFor(character: string): Slice | undefined {
  const codePoint = character.codePointAt(0) ?? 0;
  return SLICES.find(
    (slice) =>
      (!slice.family.serves || slice.family.serves.test(character)) &&
      slice.ranges.some(([first, last]) => codePoint >= first && codePoint <= last),
  );
}

/** The slices that draw `text`, in fallback order (satori tries fonts in the order given). */
function slicesFor(text: string): Slice[] {
  const needed = new Set<Slice>();
  for (const character of text) {
    if (/\s/u.test(character)) continue;
    const slice = sliceFor(character);
    if (slice) needed.add(slice);
  }
  return SLICES.filter((slice) => needed.has(slice));
}

/** The file of `slice` at `weight`, relative to node_modules (the pattern next.config.ts traces). */
function fileOf(slice: Slice, weight: FontWeight): string {
  const id = slice.family.package.replace('@fontsource/', '');
  return `${slice.family.package}/files/${id}-${slice.subset}-${weight}-normal.woff`;
}

/**
 * The node_modules folder holding the fonts: the nearest one above the working
 * directory that has them (web/ in development, the standalone server's folder
 * in production; npm hoists the packages to the workspace root). It looks for
 * a font file, since the standalone output holds nothing else of the packages.
 */
let nodeModules: string | undefined;
function nodeModulesDir(): string {
  if (nodeModules) return nodeModules;
  const probe = fileOf(SLICES[0]!, 700);
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules');
    if (existsSync(/* turbopackIgnore: true */ path.join(candidate, probe))) return (nodeModules = candidate);
    if (path.dirname(dir) === dir) throw new Error(`The Open Graph fonts (${probe}) are not installed above ${process.cwd()}`);
  }
}

/** Each file read once per process, on first use; concurrent first uses share the read. */
const loaded = new Map<string, Promise<Buffer>>();
function load(file: string): Promise<Buffer> {
  let data = loaded.get(file);
  if (!data) {
    // Not traced from here (it would trace the whole project): next.config.ts includes the font files.
    data = readFile(path.join(/* turbopackIgnore: true */ nodeModulesDir(), file));
    // A failed read is not cached: the next image tries again.
    data.catch(() => loaded.delete(file));
    loaded.set(file, data);
  }
  return data;
}

/** A piece of an image's text and the weight it is drawn at. */
export type StyledText = { text: string; weight: FontWeight };

/**
 * The fonts that draw every character of `texts` (at their weights), for
 * `ImageResponse`'s `fonts` option. Both weights of a slice share a name, so
 * satori picks the weight each element asks for.
 */
export async function ogFontsFor(texts: readonly StyledText[]): Promise<OgFont[]> {
  const wanted = new Map<Slice, Set<FontWeight>>();
  for (const { text, weight } of texts) {
    for (const slice of slicesFor(text)) wanted.set(slice, (wanted.get(slice) ?? new Set()).add(weight));
  }
  // Latin is always there: satori needs one font even for an empty title.
  const latin = SLICES[0]!;
  if (wanted.size === 0) wanted.set(latin, new Set([700]));
  const entries = SLICES.filter((slice) => wanted.has(slice)).flatMap((slice) =>
    [...wanted.get(slice)!].sort().map((weight) => ({ slice, weight })),
  );
  return Promise.all(
    entries.map(async ({ slice, weight }) => ({
      name: `${slice.family.package.replace('@fontsource/', '')} ${slice.subset}`,
      data: await load(fileOf(slice, weight)),
      weight,
      style: 'normal' as const,
    })),
  );
}

/** How many bytes of font data this process holds (for tests and diagnostics). */
export async function loadedFontBytes(): Promise<number> {
  const buffers = await Promise.all(loaded.values());
  return buffers.reduce((sum, data) => sum + data.byteLength, 0);
}
