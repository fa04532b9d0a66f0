import * as fontkit from 'fontkit';
import { describe, expect, it } from 'vitest';
import { loadedFontBytes, ogFontsFor } from './fonts';

/** Titles in every script the images must draw, at the weights the card uses. */
const SAMPLES = {
  Latin: 'Understanding ownership — “naïve” café, 50 % off!',
  Greek: 'Ελληνικά: η ιστορία της γλώσσας',
  Cyrillic: 'Кириллица и русский язык',
  Vietnamese: 'Tiếng Việt có dấu',
  Chinese: '中文标题：编译器的历史',
  'Traditional Chinese': '繁體中文標題',
  Japanese: '日本語のタイトル「コンパイラ」',
  Korean: '한국어 제목: 컴파일러의 역사',
  Arabic: 'العربية: تاريخ المترجمات، ٢٠٢٦',
  Persian: 'فارسی: گزارش پژوهش',
  Hebrew: 'עברית: תולדות המהדרים',
};

function glyphless(text: string, fonts: fontkit.Font[]): string[] {
  return [...text].filter((character) => {
    if (/\s/u.test(character)) return false;
    const codePoint = character.codePointAt(0)!;
    return !fonts.some((font) => font.hasGlyphForCodePoint(codePoint));
  });
}

describe('ogFontsFor', () => {
  for (const [script, text] of Object.entries(SAMPLES)) {
    for (const weight of [400, 700] as const) {
      it(`draws every character of ${script} at weight ${weight}`, async () => {
        const fonts = await ogFontsFor([{ text, weight }]);
        expect(fonts.every((font) => font.weight === weight)).toBe(true);
        const parsed = fonts.map(({ data }) => fontkit.create(data) as fontkit.Font);
        expect(glyphless(text, parsed)).toEqual([]);
      });
    }
  }

  it('finds the characters no font draws', async () => {
    const fonts = await ogFontsFor([{ text: SAMPLES.Korean, weight: 700 }]);
    const withoutKorean = fonts.filter(({ name }) => !name.startsWith('noto-sans-kr')).map(({ data }) => fontkit.create(data) as fontkit.Font);
    expect(glyphless(SAMPLES.Korean, withoutKorean).join('')).toBe('한국어제목컴파일러의역사');
  });

  it('names both weights of a slice alike, so that satori chooses by weight', async () => {
    const fonts = await ogFontsFor([
      { text: 'Title 标题', weight: 700 },
      { text: 'Byline 标题', weight: 400 },
    ]);
    const names = [...new Set(fonts.map(({ name }) => name))];
    expect(fonts).toHaveLength(names.length * 2);
    // Noto Sans first: satori falls back through fonts in order, and Latin
    // punctuation must not come from a CJK slice.
    expect(names[0]).toBe('noto-sans latin');
  });

  it('loads only the slices a text needs, and each file once', async () => {
    const first = await ogFontsFor([{ text: '中文标题', weight: 700 }]);
    const again = await ogFontsFor([{ text: '中文标题', weight: 700 }]);
    expect(first.length).toBeLessThanOrEqual(4);
    first.forEach(({ data }, index) => expect(again[index]!.data).toBe(data));
    expect(await loadedFontBytes()).toBeLessThan(8 * 1024 * 1024);
  });

  it('gives satori a font even for empty text', async () => {
    expect(await ogFontsFor([{ text: '', weight: 700 }])).toHaveLength(1);
  });
});
