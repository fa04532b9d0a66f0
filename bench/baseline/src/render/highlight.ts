/**
 * Server-side highlighting of fenced code with highlight.js, as CSS classes
 * (`hl-` prefixed, like the engine's) and never inline styles.
 */

import hljs from 'highlight.js';

/** Prefix of every class highlight.js writes on a `<span>`. */
export const CLASS_PREFIX = 'hl-';
/** Class of the `<pre>` of a fenced code block, as the engine writes it. */
export const PRE_CLASS = 'syntax-highlighting';

hljs.configure({ classPrefix: CLASS_PREFIX });

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));

/**
 * A fenced block as HTML. Unknown languages (and none) are escaped without
 * token classes rather than auto-detected, as the engine does: guessing is
 * slow and often wrong.
 */
export function highlightFence(code: string, info: string): string {
  const lang = info.trim().split(/\s+/, 1)[0] ?? '';
  const body = lang && hljs.getLanguage(lang)
    ? hljs.highlight(code, { language: lang, ignoreIllegals: true }).value
    : escapeHtml(code);
  const codeClass = lang ? ` class="language-${escapeHtml(lang)}"` : '';
  return `<pre class="${PRE_CLASS}"><code${codeClass}>${body}</code></pre>\n`;
}
