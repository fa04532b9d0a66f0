/**
 * Markdown → safe HTML, done once when a post is written, with everything a
 * reader or the search index needs: the sanitised, highlighted HTML, the
 * table of contents, the excerpt, the plain text, the word count and the
 * reading time (the engine's engine/src/render, on Node's usual libraries).
 */

import { parseAndFormat } from './markdown';
import { sanitize } from './sanitize';
import { readingTimeMinutes, wordCount } from './summary';

/** One heading, for a table of contents (stored as the engine stores it, in posts.toc). */
export interface TocItem {
  level: number;
  anchor: string;
  text: string;
}

export interface Rendered {
  html: string;
  toc: TocItem[];
  excerpt: string;
  plainText: string;
  wordCount: number;
  readingTimeMinutes: number;
}

/** Renders a post body. Every input renders to something that has been through the sanitiser. */
export function render(markdown: string): Rendered {
  const parsed = parseAndFormat(markdown);
  const words = wordCount(parsed.plainText);
  return {
    html: sanitize(parsed.unsafeHtml),
    toc: parsed.toc,
    excerpt: parsed.excerpt,
    plainText: parsed.plainText,
    wordCount: words,
    readingTimeMinutes: readingTimeMinutes(words),
  };
}
