/**
 * Parsing of URL segments before anything asks the engine: a segment that
 * cannot name a post, tag, author or page is a 404 at once, so stray URLs
 * (`/wp-login.php`, `/page/x`) never reach the engine or fill the cache.
 */

/** The engine's slug rule (`Post.slug`, `Tag.slug`, `Author.slug`). */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SLUG_MAX = 100;

export function isSlug(value: string): boolean {
  return value.length <= SLUG_MAX && SLUG.test(value);
}

/** Listings go this deep at most; beyond it a page number is not plausible. */
const PAGE_MAX = 10_000;

/** A listing page number from `/page/<n>`: a positive integer without leading zeros, or undefined. */
export function parsePageNumber(value: string): number | undefined {
  if (!/^[1-9][0-9]{0,4}$/.test(value)) return undefined;
  const page = Number(value);
  return page <= PAGE_MAX ? page : undefined;
}

/**
 * The value that `generateStaticParams` returns when the engine cannot be
 * reached at build time. Cache Components wants at least one prerendered
 * page per dynamic route; this one is not a slug or a page number, so the
 * page answers it with a 404 before any engine call, and the real pages are
 * rendered on their first request instead.
 */
export const PLACEHOLDER_PARAM = '_';

/**
 * A media file's path from `/media/<sha256>/<name>` (the engine's rule:
 * `original.<ext>` or `<width>.<ext>`), or undefined.
 */
export function mediaPath(hash: string, name: string): string | undefined {
  const valid = /^[0-9a-f]{64}$/.test(hash) && /^(?:original|[1-9][0-9]{0,4})\.(?:jpg|png|webp|gif|avif)$/.test(name);
  return valid ? `/media/${hash}/${name}` : undefined;
}
