import { describe, expect, it } from 'vitest';
import { decodeSession, encodeSession, sessionCookieOptions } from './session';

describe('session cookie value', () => {
  it('round-trips the author id and token', () => {
    const session = { authorId: '0b7c6f1e-8a4d-4c55-9a53-5f1d3f4f2b11', token: 'qs_abc-DEF_123' };

    expect(decodeSession(encodeSession(session))).toEqual(session);
  });

  it('rejects values that are not a session', () => {
    expect(decodeSession(undefined)).toBeUndefined();
    expect(decodeSession('')).toBeUndefined();
    expect(decodeSession('no-separator')).toBeUndefined();
    expect(decodeSession(':token')).toBeUndefined();
    expect(decodeSession('id:')).toBeUndefined();
  });
});

describe('sessionCookieOptions', () => {
  const expires = new Date('2030-01-01T00:00:00Z');

  it('is httpOnly, SameSite=Lax and expires with the engine session', () => {
    expect(sessionCookieOptions('https://blog.example.com', expires)).toEqual({
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
      path: '/admin',
      expires,
    });
  });

  it('is Secure except on plain http from the local machine', () => {
    expect(sessionCookieOptions('http://localhost:3000', expires).secure).toBe(false);
    expect(sessionCookieOptions('http://127.0.0.1:4000', expires).secure).toBe(false);
    expect(sessionCookieOptions('http://blog.example.com', expires).secure).toBe(true);
    expect(sessionCookieOptions('https://localhost:3000', expires).secure).toBe(true);
  });
});
