/** At most this many characters (post.proto). */
const SLUG_MAX = 100;

/**
 * The slug the editor suggests for a title, the way the engine derives tag
 * slugs from names: lower-case ASCII letters and digits, every other run of
 * characters one hyphen, accents folded ("Café & Crème!" → "cafe-creme").
 */
export function suggestSlug(title: string): string {
  const folded = title.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  return folded
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, SLUG_MAX)
    .replace(/-+$/, '');
}
