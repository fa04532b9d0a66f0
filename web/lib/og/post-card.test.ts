import { writeFileSync } from 'node:fs';
import { ImageResponse } from 'next/og';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OG_IMAGE_SIZE } from '@/lib/seo';
import { type PostCard, PostCardImage, postCardFonts } from './post-card';

const TITLES = {
  latin: 'The first compilers',
  greek: 'Ελληνικά: η ιστορία της γλώσσας',
  cyrillic: 'Кириллица и русский язык',
  chinese: '中文标题：编译器的历史与未来，从汇编语言到现代优化编译器的漫长道路',
  japanese: '日本語のタイトル「コンパイラ」の歴史',
  korean: '한국어 제목: 컴파일러의 역사',
  arabic: 'العربية: تاريخ المترجمات من لغة التجميع إلى المترجمات الحديثة ٢٠٢٦',
  hebrew: 'עברית: תולדות המהדרים (2026) מ-Fortran עד Rust',
};

/** PNG width and height, from the IHDR chunk. */
function pngSize(bytes: Buffer) {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

async function render(card: PostCard): Promise<Buffer> {
  const response = new ImageResponse(createElement(PostCardImage, card), { ...OG_IMAGE_SIZE, fonts: await postCardFonts(card) });
  const png = Buffer.from(await response.arrayBuffer());
  // OG_PREVIEW_DIR=/tmp/og npx vitest run lib/og/post-card.test.ts: look at them.
  if (process.env.OG_PREVIEW_DIR) writeFileSync(`${process.env.OG_PREVIEW_DIR}/${card.title.slice(0, 12)}.png`, png);
  return png;
}

describe('PostCardImage', () => {
  // satori fetches a Google font for any character the given fonts lack (the
  // tofu it would otherwise draw); no such request means every glyph was there.
  // (It also fetches its own WebAssembly from data: URLs.)
  const offlineFetch = globalThis.fetch;
  const fetchFallbackFont = vi.fn(async () => new Response('offline', { status: 503 }));
  vi.stubGlobal('fetch', (input: string | URL | Request, init?: RequestInit) =>
    String(input instanceof Request ? input.url : input).startsWith('data:') ? offlineFetch(input, init) : fetchFallbackFont(),
  );
  afterEach(() => fetchFallbackFont.mockClear());

  for (const [script, title] of Object.entries(TITLES)) {
    it(`draws a ${script} title with its own fonts`, async () => {
      const png = await render({ siteName: 'Quire', title, byline: 'Ada Lovelace · 2 January 2026' });
      expect(pngSize(png)).toEqual(OG_IMAGE_SIZE);
      expect(fetchFallbackFont).not.toHaveBeenCalled();
    });
  }

  it('draws an author’s name in another script in the byline', async () => {
    await render({ siteName: 'Quire', title: 'Notes', byline: 'עדה לאבלייס · 李白 · 2 January 2026' });
    expect(fetchFallbackFont).not.toHaveBeenCalled();
  });

  it('would notice a character its fonts lack', async () => {
    const card = { siteName: 'Quire', title: 'ทดสอบ', byline: '' };
    await render(card).catch(() => undefined);
    expect(fetchFallbackFont).toHaveBeenCalled();
  });
});
