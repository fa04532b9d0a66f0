import { describe, expect, it } from 'vitest';
import { suggestSlug } from './slug';

describe('suggestSlug', () => {
  it('makes a URL-safe slug of a title', () => {
    expect(suggestSlug('Hello, World!')).toBe('hello-world');
    expect(suggestSlug('  Rust & WebAssembly  ')).toBe('rust-webassembly');
    expect(suggestSlug('Café crème à la carte')).toBe('cafe-creme-a-la-carte');
    expect(suggestSlug('Ten 10 things')).toBe('ten-10-things');
  });

  it('is empty when nothing URL-safe is left', () => {
    expect(suggestSlug('!!!')).toBe('');
    expect(suggestSlug('')).toBe('');
  });

  it('stays within 100 characters without a trailing hyphen', () => {
    const slug = suggestSlug(`${'a'.repeat(99)} b`);
    expect(slug).toBe('a'.repeat(99));
    expect(suggestSlug('word '.repeat(40)).length).toBeLessThanOrEqual(100);
  });
});
