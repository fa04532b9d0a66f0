/**
 * The allow-list every rendered post passes through before it is stored:
 * sanitize-html (on htmlparser2) with the engine's list
 * (engine/src/render/sanitize.rs), adjusted to the markup markdown-it and
 * its plugins write. Raw HTML in the Markdown reaches this unescaped, so
 * authors can write `<details>` or `<kbd>`; everything not listed is dropped.
 */

import sanitizeHtml from 'sanitize-html';
import { CLASS_PREFIX, PRE_CLASS } from './highlight';

const TAGS = [
  // Written by the Markdown renderer.
  'a', 'blockquote', 'br', 'code', 'del', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'img',
  'input', 'li', 'ol', 'p', 'pre', 'section', 'span', 'strong', 'sup', 'table', 'tbody', 'td',
  'th', 'thead', 'tr', 'ul', 's',
  // Benign HTML authors write by hand.
  'abbr', 'b', 'caption', 'dd', 'details', 'div', 'dl', 'dt', 'figcaption', 'figure', 'i', 'ins',
  'kbd', 'mark', 'q', 'samp', 'small', 'sub', 'summary', 'tfoot', 'u', 'var', 'wbr',
];

/** Dropped with their content: code, documents of their own, or UI. */
const CONTENT_DROPPED = [
  'script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext',
  'noscript', 'template', 'object', 'select', 'option', 'svg', 'math',
];

const HEADING_ID = ['id'];

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: TAGS,
  nonTextTags: CONTENT_DROPPED,
  allowedAttributes: {
    '*': ['title', 'lang', 'dir'],
    a: ['href', 'id', 'aria-label', 'aria-hidden', 'rel'],
    h1: HEADING_ID, h2: HEADING_ID, h3: HEADING_ID, h4: HEADING_ID, h5: HEADING_ID, h6: HEADING_ID,
    img: ['src', 'alt', 'width', 'height'],
    input: ['type', 'checked', 'disabled'],
    ol: ['start'],
    li: ['id'],
    th: ['align', 'colspan', 'rowspan'],
    td: ['align', 'colspan', 'rowspan'],
    details: ['open'],
  },
  // Only the classes the renderer and the highlighter write.
  allowedClasses: {
    span: [`${CLASS_PREFIX}*`, '*_'],
    pre: [PRE_CLASS],
    code: ['language-*'],
    a: ['anchor', 'footnote-backref'],
    sup: ['footnote-ref'],
    hr: ['footnotes-sep'],
    section: ['footnotes'],
    ol: ['footnotes-list'],
    ul: ['contains-task-list'],
    li: ['task-list-item', 'footnote-item'],
    input: ['task-list-item-checkbox'],
  },
  // No style attribute survives, so the site's CSP can forbid inline styles.
  allowedStyles: {},
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  transformTags: {
    // Posts are user content: links pass no ranking, no window.opener, no referrer.
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'nofollow noopener noreferrer' } }),
    // Every input is a read-only checkbox, as task lists render.
    input: (tagName, attribs) => ({ tagName, attribs: { ...attribs, type: 'checkbox', disabled: '' } }),
  },
};

/** `html` with everything not on the allow-list removed. */
export function sanitize(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}
