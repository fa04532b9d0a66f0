import { describe, expect, it } from 'vitest';
import { parseEnv } from './env';

describe('parseEnv', () => {
  it('applies defaults when nothing is set', () => {
    expect(parseEnv({})).toEqual({
      QUIRE_ENGINE_URL: 'http://127.0.0.1:50051',
      QUIRE_SITE_URL: 'http://localhost:3000',
      QUIRE_SITE_NAME: 'Quire',
      QUIRE_SITE_DESCRIPTION: 'Writing, published with Quire.',
      QUIRE_ENGINE_TIMEOUT_MS: 5000,
      QUIRE_TRUSTED_PROXY_HOPS: 0,
      QUIRE_WEB_CACHE_PREFIX: 'quire:web:',
      QUIRE_EDGE_PURGE_URLS: [],
      OTEL_SERVICE_NAME: 'quire-web',
    });
  });

  it('treats empty variables as unset', () => {
    expect(parseEnv({ QUIRE_ENGINE_URL: '', QUIRE_ENGINE_API_KEY: '', QUIRE_ENGINE_TIMEOUT_MS: '' })).toEqual(
      parseEnv({}),
    );
  });

  it('reads and coerces set variables', () => {
    expect(
      parseEnv({
        QUIRE_ENGINE_URL: 'https://engine.internal:8443',
        QUIRE_ENGINE_API_KEY: 'secret-key',
        QUIRE_SITE_URL: 'https://blog.example.com',
        QUIRE_SITE_NAME: 'Field Notes',
        QUIRE_SITE_DESCRIPTION: 'Notes from the field.',
        QUIRE_ENGINE_TIMEOUT_MS: '2500',
        QUIRE_TRUSTED_PROXY_HOPS: '2',
        REDIS_URL: 'redis://cache.internal:6379/2',
        QUIRE_WEB_CACHE_PREFIX: 'blog:',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_SERVICE_NAME: 'blog-web',
        QUIRE_EDGE_PURGE_URLS: 'http://edge-1:80, http://edge-2:80/',
        QUIRE_EDGE_PURGE_SECRET: 'a-secret-of-some-length',
      }),
    ).toEqual({
      QUIRE_ENGINE_URL: 'https://engine.internal:8443',
      QUIRE_ENGINE_API_KEY: 'secret-key',
      QUIRE_SITE_URL: 'https://blog.example.com',
      QUIRE_SITE_NAME: 'Field Notes',
      QUIRE_SITE_DESCRIPTION: 'Notes from the field.',
      QUIRE_ENGINE_TIMEOUT_MS: 2500,
      QUIRE_TRUSTED_PROXY_HOPS: 2,
      REDIS_URL: 'redis://cache.internal:6379/2',
      QUIRE_WEB_CACHE_PREFIX: 'blog:',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_SERVICE_NAME: 'blog-web',
      QUIRE_EDGE_PURGE_URLS: ['http://edge-1:80', 'http://edge-2:80/'],
      QUIRE_EDGE_PURGE_SECRET: 'a-secret-of-some-length',
    });
  });

  it('needs the purge secret when edges are listed', () => {
    expect(() => parseEnv({ QUIRE_EDGE_PURGE_URLS: 'http://edge:80' })).toThrow(/QUIRE_EDGE_PURGE_SECRET: is required/);
    expect(() => parseEnv({ QUIRE_EDGE_PURGE_URLS: 'http://edge:80', QUIRE_EDGE_PURGE_SECRET: 'short' })).toThrow(
      /QUIRE_EDGE_PURGE_SECRET: must be at least 16/,
    );
    expect(() => parseEnv({ QUIRE_EDGE_PURGE_URLS: 'ftp://edge', QUIRE_EDGE_PURGE_SECRET: 'a-secret-of-some-length' })).toThrow(
      /QUIRE_EDGE_PURGE_URLS/,
    );
  });

  it('names every invalid variable without echoing values', () => {
    const parse = () =>
      parseEnv({
        QUIRE_ENGINE_URL: 'grpc://engine',
        QUIRE_SITE_URL: 'nope',
        QUIRE_ENGINE_TIMEOUT_MS: '1.5',
        REDIS_URL: 'http://cache',
      });

    expect(parse).toThrow(/QUIRE_ENGINE_URL: must be an http:\/\/ or https:\/\/ URL/);
    expect(parse).toThrow(/QUIRE_SITE_URL: must be an http:\/\/ or https:\/\/ URL/);
    expect(parse).toThrow(/QUIRE_ENGINE_TIMEOUT_MS: must be a whole number of milliseconds/);
    expect(parse).toThrow(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(parse).not.toThrow(/grpc:\/\/engine/);
  });
});
