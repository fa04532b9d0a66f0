/**
 * What a post's summary is: the excerpt shown in lists and feeds, the word
 * count and the reading time, by the engine's rules (engine/src/render/summary.rs).
 */

/** Longest excerpt, in characters, "…" included. */
export const EXCERPT_MAX_CHARS = 300;
/** Words an adult reads per minute on a screen. */
const WORDS_PER_MINUTE = 230;
const ELLIPSIS = '…';
const WHITESPACE = /\s/;

/**
 * Collects excerpt text as the tokens are walked, collapsing whitespace on
 * the way in and ignoring everything once it has enough.
 */
export class ExcerptBuilder {
  private text = '';
  private chars = 0;
  private pendingSpace = false;

  push(text: string): void {
    for (const c of text) {
      // One character beyond the limit is kept: it tells `finish` whether the
      // cut falls between words or inside one.
      if (this.chars > EXCERPT_MAX_CHARS) return;
      if (WHITESPACE.test(c)) {
        this.pendingSpace = this.text !== '';
        continue;
      }
      if (this.pendingSpace) {
        this.text += ' ';
        this.chars += 1;
        this.pendingSpace = false;
      }
      this.text += c;
      this.chars += 1;
    }
  }

  /** Separates one paragraph from the next, as a space. */
  endParagraph(): void {
    this.push(' ');
  }

  /** The whole text when it fits, else as many whole words as fit, then "…". */
  finish(): string {
    if (this.chars <= EXCERPT_MAX_CHARS) return this.text;
    const characters = Array.from(this.text);
    const head = characters.slice(0, EXCERPT_MAX_CHARS - 1).join('');
    const next = characters[EXCERPT_MAX_CHARS - 1];
    const endsBetweenWords = next === ' ' || head.endsWith(' ');
    const space = head.lastIndexOf(' ');
    // A single word longer than the excerpt is cut mid-word.
    const kept = space >= 0 && !endsBetweenWords ? head.slice(0, space) : head;
    return kept.replace(/[\s,;:]+$/u, '') + ELLIPSIS;
  }
}

/** Whitespace-separated runs with at least one letter or digit. */
export function wordCount(plainText: string): number {
  let words = 0;
  for (const word of plainText.split(/\s+/)) if (/[\p{L}\p{N}]/u.test(word)) words += 1;
  return words;
}

/** Minutes to read, rounded up; 0 for no words. */
export function readingTimeMinutes(words: number): number {
  return words <= 0 ? 0 : Math.ceil(words / WORDS_PER_MINUTE);
}
