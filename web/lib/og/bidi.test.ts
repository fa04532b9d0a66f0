import { describe, expect, it } from 'vitest';
import { type Glyphs, hasRightToLeft, layoutBidi, type Row, type Word } from './bidi';

/** A row as nested arrays of the text satori draws, with each row's direction first. */
function drawn(row: Row<Word> | Row<Glyphs>): unknown[] {
  return [
    row.direction,
    ...row.items.map((item) => {
      if (item.kind === 'row') return drawn(item);
      if (item.kind === 'word') return item.row.items.length === 1 && item.row.items[0]!.kind === 'glyphs' ? item.row.items[0]!.text : drawn(item.row);
      return item.text;
    }),
  ];
}

describe('layoutBidi', () => {
  it('lays a Hebrew title out right to left, each word’s letters in drawing order', () => {
    expect(drawn(layoutBidi('שלום עולם'))).toEqual(['rtl', 'םולש', 'םלוע']);
  });

  it('leaves Arabic letters in reading order, for satori reverses and joins them itself', () => {
    expect(drawn(layoutBidi('مرحبا بالعالم'))).toEqual(['rtl', 'مرحبا', 'بالعالم']);
  });

  it('keeps a left-to-right phrase and numbers inside right-to-left text in their own order', () => {
    expect(drawn(layoutBidi('תולדות Rust Compiler 2026'))).toEqual(['rtl', 'תודלות', ['ltr', 'Rust', 'Compiler', '2026']]);
  });

  it('mirrors brackets and moves punctuation within right-to-left words', () => {
    expect(drawn(layoutBidi('עברית: (מהדרים)'))).toEqual(['rtl', ':תירבע', '(םירדהמ)']);
    expect(drawn(layoutBidi('بالعالم:'))).toEqual(['rtl', ['rtl', 'بالعالم', ':']]);
  });

  it('groups right-to-left words inside a left-to-right title', () => {
    expect(drawn(layoutBidi('Learning שלום עולם fast'))).toEqual(['ltr', 'Learning', ['rtl', 'םולש', 'םלוע'], 'fast']);
  });
});

describe('hasRightToLeft', () => {
  it('is true only for text with a right-to-left character', () => {
    expect(hasRightToLeft('中文标题 and Ελληνικά')).toBe(false);
    expect(hasRightToLeft('Hello עולם')).toBe(true);
    expect(hasRightToLeft('العربية')).toBe(true);
  });
});
