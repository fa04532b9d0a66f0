import { describe, expect, it } from 'vitest';
import { allowedActionOrigins, contentSecurityPolicy, securityHeaders } from './next.config';

describe('contentSecurityPolicy', () => {
  const directives = Object.fromEntries(
    contentSecurityPolicy()
      .split('; ')
      .map((directive) => {
        const [name, ...sources] = directive.split(' ');
        return [name, sources];
      }),
  );

  it('allows scripts, connections and forms from our own origin only', () => {
    expect(directives['script-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['form-action']).toEqual(["'self'"]);
    expect(directives['default-src']).toEqual(["'self'"]);
  });

  it('forbids plugins, framing and <base> injection', () => {
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'self'"]);
  });

  it('never allows eval', () => {
    expect(contentSecurityPolicy()).not.toContain('unsafe-eval');
  });
});

describe('securityHeaders', () => {
  it('sends each header once', () => {
    const keys = securityHeaders().map((header) => header.key.toLowerCase());
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('content-security-policy');
    expect(keys).toContain('x-content-type-options');
  });
});

describe('allowedActionOrigins', () => {
  it('splits and trims a comma-separated list, ignoring empty entries', () => {
    expect(allowedActionOrigins(' blog.example.com, *.example.com ,,')).toEqual(['blog.example.com', '*.example.com']);
    expect(allowedActionOrigins(undefined)).toEqual([]);
  });
});
