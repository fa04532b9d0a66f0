/**
 * Parsing Markdown with markdown-it (CommonMark + GFM tables, strikethrough,
 * autolinks, footnotes, task lists) and walking its tokens once for the
 * table of contents, plain text and excerpt. The HTML is formatted from the
 * same tokens, so the TOC's anchors are the heading ids markdown-it-anchor
 * wrote.
 */

import MarkdownIt from 'markdown-it';
import type { StateCore, Token } from 'markdown-it';
import anchor from 'markdown-it-anchor';
import footnote from 'markdown-it-footnote';
import taskLists from 'markdown-it-task-lists';
import { highlightFence } from './highlight';
import { ExcerptBuilder } from './summary';
import type { TocItem } from './index';

// GitHub's heading ids (as comrak's Anchorizer): lower case, punctuation
// other than hyphens and underscores dropped, spaces made hyphens.
const REJECTED = /[^\p{L}\p{M}\p{N}\p{Pc} -]/gu;
const slugify = (text: string) => text.toLowerCase().replace(REJECTED, '').replaceAll(' ', '-');

/** Built once: the parser, its plugins and options are the same for every post. */
const md = new MarkdownIt({
  // Raw HTML is passed through for the sanitiser to decide on.
  html: true,
  linkify: true,
  highlight: highlightFence,
})
  .use(anchor, {
    slugify,
    tabIndex: false,
    // A link to the heading itself, for readers to copy (as the engine writes).
    permalink: anchor.permalink.linkInsideHeader({ class: 'anchor', symbol: '', space: false, ariaHidden: true }),
  })
  .use(footnote)
  .use(taskLists, { enabled: false });

// Table alignment as `align` (as GFM renderers write it), not as a style
// attribute, which the sanitiser drops.
md.core.ruler.push('align_attribute', (state: StateCore) => {
  for (const token of state.tokens) {
    if ((token.type === 'th_open' || token.type === 'td_open') && token.attrs) {
      const style = token.attrGet('style');
      const align = style === null ? undefined : String(style).match(/^text-align:(left|right|center)$/)?.[1];
      token.attrs = token.attrs.filter(([name]) => name !== 'style');
      if (align) token.attrSet('align', align);
    }
  }
});

export interface Parsed {
  /** Not yet safe: raw HTML and URLs are as the author wrote them. */
  unsafeHtml: string;
  toc: TocItem[];
  plainText: string;
  excerpt: string;
}

export function parseAndFormat(markdown: string): Parsed {
  // A fresh env per render: markdown-it-anchor keeps the ids it gave out in it.
  const env = {};
  const tokens = md.parse(markdown, env);
  return { unsafeHtml: md.renderer.render(tokens, md.options, env), ...outline(tokens) };
}

/** Ends the current line once: blocks nest, and must not leave empty lines. */
function endLine(text: string): string {
  const trimmed = text.replace(/ +$/, '');
  return trimmed === '' || trimmed.endsWith('\n') ? trimmed : `${trimmed}\n`;
}

/**
 * The headings, the whole body as plain text (blocks on their own lines) and
 * the excerpt of its opening paragraphs.
 */
function outline(tokens: Token[]): Omit<Parsed, 'unsafeHtml'> {
  const toc: TocItem[] = [];
  let plain = '';
  const excerpt = new ExcerptBuilder();
  let paragraphDepth = 0;
  let footnoteDepth = 0;
  for (const [index, token] of tokens.entries()) {
    switch (token.type) {
      case 'heading_open':
        toc.push({
          level: Number(token.tag.slice(1)),
          anchor: String(token.attrGet('id') ?? ''),
          text: headingText(tokens[index + 1]?.children ?? []),
        });
        break;
      case 'paragraph_open':
        paragraphDepth += 1;
        break;
      case 'paragraph_close':
        paragraphDepth -= 1;
        excerpt.endParagraph();
        plain = endLine(plain);
        break;
      case 'footnote_open':
        footnoteDepth += 1;
        break;
      case 'footnote_close':
        footnoteDepth -= 1;
        plain = endLine(plain);
        break;
      case 'inline':
        plain += inlineText(token.children ?? [], paragraphDepth > 0 && footnoteDepth === 0 ? excerpt : undefined);
        break;
      case 'fence':
      case 'code_block':
        plain = endLine(plain + token.content);
        break;
      // A table row reads as one line.
      case 'th_close':
      case 'td_close':
        plain += ' ';
        break;
      default:
        if (token.nesting === -1 && token.block) plain = endLine(plain);
    }
  }
  return { toc, plainText: plain.trimEnd(), excerpt: excerpt.finish() };
}

/** A heading's text as markdown-it-anchor reads it for the id: text and code, no markup. */
function headingText(children: Token[]): string {
  let text = '';
  for (const child of children) if (child.type === 'text' || child.type === 'code_inline') text += child.content;
  return text;
}

/** The text of inline tokens; also fed to `excerpt` when given. Image alt text counts as text but not as excerpt. */
function inlineText(children: Token[], excerpt: ExcerptBuilder | undefined): string {
  let text = '';
  for (const child of children) {
    switch (child.type) {
      case 'text':
      case 'code_inline':
        text += child.content;
        excerpt?.push(child.content);
        break;
      case 'softbreak':
      case 'hardbreak':
        text += ' ';
        excerpt?.push(' ');
        break;
      case 'image':
        text += inlineText(child.children ?? [], undefined);
        break;
      // Raw HTML is markup, not text; footnote references are just numbers.
    }
  }
  return text;
}
