import 'server-only';
import type { CSSProperties, ReactNode } from 'react';
import { type Glyphs, hasRightToLeft, layoutBidi, type Row, type Word } from './bidi';
import { type OgFont, ogFontsFor } from './fonts';

/**
 * The Open Graph card of a post (app/og/[slug]/route.tsx draws it with
 * `ImageResponse`): its title, author and date on the site's colours.
 */

export type PostCard = { siteName: string; title: string; byline: string };

const TITLE_WEIGHT = 700;
const BYLINE_WEIGHT = 400;

/** The fonts a card needs, for `ImageResponse`'s `fonts` option. */
export function postCardFonts({ siteName, title, byline }: PostCard): Promise<OgFont[]> {
  return ogFontsFor([
    { text: `${siteName} ${title}`, weight: TITLE_WEIGHT },
    { text: byline, weight: BYLINE_WEIGHT },
  ]);
}

function rowStyle(row: Row<unknown>, wordGap?: number): CSSProperties {
  return {
    display: 'flex',
    flexDirection: row.direction === 'rtl' ? 'row-reverse' : 'row',
    ...(wordGap === undefined ? {} : { flexWrap: 'wrap', columnGap: wordGap }),
  };
}

function WordRow({ row }: { row: Row<Glyphs> }): ReactNode {
  return (
    <div style={rowStyle(row)}>
      {row.items.map((item, index) => (item.kind === 'glyphs' ? <span key={index}>{item.text}</span> : <WordRow key={index} row={item} />))}
    </div>
  );
}

function WordsRow({ row, wordGap }: { row: Row<Word>; wordGap: number }): ReactNode {
  return (
    <div style={rowStyle(row, wordGap)}>
      {row.items.map((item, index) =>
        item.kind === 'word' ? <WordRow key={index} row={item.row} /> : <WordsRow key={index} row={item} wordGap={wordGap} />,
      )}
    </div>
  );
}

/**
 * Text that satori lays out as it is when it reads left to right (it wraps
 * CJK and Latin lines itself), and through layoutBidi otherwise.
 */
function CardText({ text, style }: { text: string; style: CSSProperties & { fontSize: number } }): ReactNode {
  if (!hasRightToLeft(text)) return <div style={{ display: 'flex', ...style }}>{text}</div>;
  // A space of Noto Sans is 0.26 em.
  return (
    <div style={{ display: 'flex', flexDirection: 'column', ...style }}>
      <WordsRow row={layoutBidi(text)} wordGap={Math.round(style.fontSize * 0.26)} />
    </div>
  );
}

export function PostCardImage({ siteName, title, byline }: PostCard): ReactNode {
  return (
    <div
      style={{
        width: '100%',
        height: '100%',
        display: 'flex',
        flexDirection: 'column',
        justifyContent: 'space-between',
        padding: '72px 80px',
        background: '#fffbf5',
        color: '#1c1917',
        borderTop: '16px solid #9a3412',
      }}
    >
      <CardText text={siteName} style={{ fontSize: 32, color: '#9a3412', fontWeight: TITLE_WEIGHT }} />
      <CardText text={title} style={{ fontSize: title.length > 60 ? 60 : 76, fontWeight: TITLE_WEIGHT, lineHeight: 1.1 }} />
      <CardText text={byline} style={{ fontSize: 30, color: '#57534e', fontWeight: BYLINE_WEIGHT }} />
    </div>
  );
}
