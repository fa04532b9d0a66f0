import { describe, expect, it } from 'vitest';
import { isSlug, mediaPath, PLACEHOLDER_PARAM, parsePageNumber } from './route-params';

describe('isSlug', () => {
  it('accepts the engine’s slugs', () => {
    expect(isSlug('hello')).toBe(true);
    expect(isSlug('rust-2024-edition')).toBe(true);
    expect(isSlug('a'.repeat(100))).toBe(true);
  });

  it('rejects anything the engine could not have stored', () => {
    for (const value of ['', 'Hello', 'two--hyphens', '-leading', 'trailing-', 'wp-login.php', 'a_b', 'a'.repeat(101)]) {
      expect(isSlug(value)).toBe(false);
    }
  });

  it('rejects the build-time placeholder', () => {
    expect(isSlug(PLACEHOLDER_PARAM)).toBe(false);
  });
});

describe('parsePageNumber', () => {
  it('reads positive page numbers', () => {
    expect(parsePageNumber('1')).toBe(1);
    expect(parsePageNumber('42')).toBe(42);
    expect(parsePageNumber('10000')).toBe(10_000);
  });

  it('rejects anything else, so one page has one URL', () => {
    for (const value of ['0', '01', '-1', '1.5', 'two', '', '10001', '999999', PLACEHOLDER_PARAM]) {
      expect(parsePageNumber(value)).toBeUndefined();
    }
  });
});

describe('mediaPath', () => {
  const hash = 'ab'.repeat(32);

  it('accepts originals and sized variants of the library', () => {
    expect(mediaPath(hash, 'original.jpg')).toBe(`/media/${hash}/original.jpg`);
    expect(mediaPath(hash, '1280.avif')).toBe(`/media/${hash}/1280.avif`);
  });

  it('refuses anything else', () => {
    const refused: [string, string][] = [
      [hash.toUpperCase(), 'original.jpg'],
      [hash.slice(2), 'original.jpg'],
      [hash, '0640.webp'],
      [hash, '640.svg'],
      [hash, '..%2Fsecrets'],
      [hash, 'original.jpg.html'],
      [hash, '123456.webp'],
    ];
    for (const [h, name] of refused) {
      expect(mediaPath(h, name)).toBeUndefined();
    }
  });
});
