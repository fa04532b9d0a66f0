import { describe, expect, it } from 'vitest';
import { actionOriginAllowed } from './action-origin';

describe('actionOriginAllowed', () => {
  it('accepts our own origin and the allowed hosts', () => {
    expect(actionOriginAllowed('http://127.0.0.1:3000', '127.0.0.1:3000', [])).toBe(true);
    expect(actionOriginAllowed('https://blog.example.com', 'web:3000', ['blog.example.com'])).toBe(true);
    expect(actionOriginAllowed('https://a.example.com', 'web:3000', ['*.example.com'])).toBe(true);
  });

  it('refuses other sites, look-alikes, null and missing origins', () => {
    expect(actionOriginAllowed('https://evil.example', '127.0.0.1:3000', [])).toBe(false);
    expect(actionOriginAllowed('http://127.0.0.1:3000.evil.example', '127.0.0.1:3000', [])).toBe(false);
    expect(actionOriginAllowed('https://example.com.evil.test', 'web', ['*.example.com'])).toBe(false);
    expect(actionOriginAllowed('https://example.com', 'web', ['*.example.com'])).toBe(false);
    expect(actionOriginAllowed('null', '127.0.0.1:3000', [])).toBe(false);
    expect(actionOriginAllowed(null, '127.0.0.1:3000', [])).toBe(false);
    expect(actionOriginAllowed('not a url', '127.0.0.1:3000', [])).toBe(false);
  });
});
