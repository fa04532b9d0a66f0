import bidiFactory from 'bidi-js';

/**
 * Right-to-left text for satori, which lays every line out left to right and
 * has no bidi algorithm (vercel/satori#74). Its OpenType engine does reverse
 * and join a run of Arabic letters, but Hebrew letters, neutral characters in
 * right-to-left text and the order of words are left in reading order.
 *
 * So the Unicode Bidirectional Algorithm (bidi-js) resolves each character's
 * level, and the text becomes nested flex rows: a row per direction, reversed
 * for right to left, whose items stay in reading order. Rows of words wrap,
 * so a right-to-left title breaks into lines that start on the right. The
 * leaves are pieces of one level, in the order satori must draw them.
 *
 * Limits: a word is the unit of reordering between words (a phrase of the
 * other direction that starts inside a word is split at the space), and
 * satori measures Arabic letters one by one, unjoined, so Arabic words get
 * wider gaps than their glyphs need.
 */

export type Direction = 'ltr' | 'rtl';

/** Items in reading order, laid out in `direction`. */
export type Row<T> = { kind: 'row'; direction: Direction; items: (T | Row<T>)[] };
/** Characters satori draws as given, left to right. */
export type Glyphs = { kind: 'glyphs'; text: string };
/** The pieces of a word between spaces. */
export type Word = { kind: 'word'; row: Row<Glyphs> };

const bidi = bidiFactory();
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The letters satori's OpenType engine reverses and joins itself (opentype.js `isArabicChar`). */
const REVERSED_BY_SATORI = /[\u0600-\u065F\u066A-\u06D2\u06FA-\u06FF]/;

const directionOf = (level: number): Direction => (level % 2 === 1 ? 'rtl' : 'ltr');

/** Groups consecutive items above `level` into nested rows, as the algorithm's rule L2 reverses them. */
function nest<T>(items: readonly { level: number; item: T }[], level: number): Row<T> {
  const row: Row<T> = { kind: 'row', direction: directionOf(level), items: [] };
  for (let i = 0; i < items.length; ) {
    if (items[i]!.level <= level) {
      row.items.push(items[i]!.item);
      i += 1;
      continue;
    }
    let end = i;
    while (end < items.length && items[end]!.level > level) end += 1;
    row.items.push(nest(items.slice(i, end), level + 1));
    i = end;
  }
  return row;
}

/** True when `text` needs bidi layout: some character resolves right to left. */
export function hasRightToLeft(text: string): boolean {
  return bidi.getEmbeddingLevels(text).levels.some((level) => level % 2 === 1);
}

/** `text` as rows of words for satori, its paragraph direction found from its first strong character. */
export function layoutBidi(text: string): Row<Word> {
  const embedding = bidi.getEmbeddingLevels(text, 'auto');
  const { levels } = embedding;
  const mirrored = bidi.getMirroredCharactersMap(text, levels);
  const paragraphLevel = embedding.paragraphs[0]?.level ?? 0;

  const words: { level: number; item: Word }[] = [];
  for (const match of text.matchAll(/\S+/gu)) {
    const start = match.index;
    // Pieces: runs of one level and one treatment, as [start, end) indices.
    const pieces: { level: number; start: number; end: number; bySatori: boolean }[] = [];
    for (let index = start; index < start + match[0].length; ) {
      const character = String.fromCodePoint(text.codePointAt(index)!);
      const level = levels[index]!;
      const bySatori = REVERSED_BY_SATORI.test(character);
      const last = pieces.at(-1);
      if (last && last.level === level && last.bySatori === bySatori) last.end = index + character.length;
      else pieces.push({ level, start: index, end: index + character.length, bySatori });
      index += character.length;
    }
    const glyphs = pieces.map(({ level, start: from, end, bySatori }) => {
      let piece = '';
      for (let index = from; index < end; index += 1) piece += mirrored.get(index) ?? text[index];
      const drawn =
        level % 2 === 1 && !bySatori
          ? [...graphemes.segment(piece)].map(({ segment }) => segment).reverse().join('')
          : piece;
      return { level, item: { kind: 'glyphs', text: drawn } satisfies Glyphs };
    });
    const wordLevel = Math.min(...pieces.map(({ level }) => level));
    words.push({ level: wordLevel, item: { kind: 'word', row: nest(glyphs, wordLevel) } });
  }
  return nest(words, paragraphLevel);
}
