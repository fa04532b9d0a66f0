import { describe, expect, it } from 'vitest';
import { formatCount, formatDate, formatReadingTime } from './format';

describe('format', () => {
  it('formats dates in UTC, whatever the server’s time zone', () => {
    expect(formatDate('2026-01-02T23:30:00Z')).toBe('2 January 2026');
  });

  it('formats reading times and counts', () => {
    expect(formatReadingTime(0)).toBe('1 min read');
    expect(formatReadingTime(12)).toBe('12 min read');
    expect(formatCount(1, 'post')).toBe('1 post');
    expect(formatCount(3, 'comment')).toBe('3 comments');
  });
});
