import 'server-only';
import { z } from 'zod';
import { DEFAULT_CACHE_PREFIX } from './cache/config';

/**
 * The web app's configuration. This module is the only reader of
 * `process.env`; everything else asks `env()` for typed, validated values.
 *
 * Parsing is lazy so that `next build` (which imports every module) does not
 * need the runtime variables to be set.
 */

// An empty variable (`QUIRE_ENGINE_API_KEY=`) means "not set", so defaults apply.
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const schema = z.object({
  /** Where the engine's gRPC server listens; `http://` is cleartext HTTP/2. */
  QUIRE_ENGINE_URL: z.preprocess(unsetIfEmpty, httpUrl.default('http://127.0.0.1:50051')),
  /** Sent as `authorization: Bearer <key>` on every engine call when set. */
  QUIRE_ENGINE_API_KEY: z.preprocess(unsetIfEmpty, z.string().optional()),
  /** The public origin of this site, for absolute links (feeds, canonical URLs). */
  QUIRE_SITE_URL: z.preprocess(unsetIfEmpty, httpUrl.default('http://localhost:3000')),
  /** The blog's name: page titles, the header, feeds. */
  QUIRE_SITE_NAME: z.preprocess(unsetIfEmpty, z.string().max(100, 'must be at most 100 characters').default('Quire')),
  /** One sentence about the blog: the home page's description and the feeds'. */
  QUIRE_SITE_DESCRIPTION: z.preprocess(
    unsetIfEmpty,
    z.string().max(300, 'must be at most 300 characters').default('Writing, published with Quire.'),
  ),
  /**
   * How many reverse proxies in front of the web append to `x-forwarded-for`;
   * the reader's address is the one the outermost of them saw (comment rate
   * limits, sign-in throttling). 0: no proxy, the header is ignored and the
   * reader is the TCP peer (lib/client-key.ts).
   */
  QUIRE_TRUSTED_PROXY_HOPS: z.preprocess(
    unsetIfEmpty,
    z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(0).default(0),
  ),
  /**
   * The shared cache (pages, 'use cache' entries, tag invalidations) for all
   * replicas; unset keeps each cache in this process. The cache handlers read
   * it themselves (lib/cache/config.js); the change follower reads it here.
   */
  REDIS_URL: z.preprocess(unsetIfEmpty, z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional()),
  /** Prefix of the web tier's Redis keys; replicas of one site share it. */
  QUIRE_WEB_CACHE_PREFIX: z.preprocess(unsetIfEmpty, z.string().default(DEFAULT_CACHE_PREFIX)),
  /** OTLP/HTTP endpoint for traces (e.g. http://collector:4318); unset: no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(unsetIfEmpty, httpUrl.optional()),
  /** The `service.name` of this app's spans. */
  OTEL_SERVICE_NAME: z.preprocess(unsetIfEmpty, z.string().default('quire-web')),
  /**
   * The HTTP edge caches in front of the web (comma-separated base URLs of
   * Varnish nodes, deploy/varnish/): the change follower purges them by
   * cache tag (lib/edge/purger.ts). Unset: no edge to purge.
   */
  QUIRE_EDGE_PURGE_URLS: z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((url) => url.trim())
            .filter(Boolean)
        : value,
    z.array(httpUrl).default([]),
  ),
  /** The secret the edges require on purges (their VCL holds the same one). */
  QUIRE_EDGE_PURGE_SECRET: z.preprocess(unsetIfEmpty, z.string().min(16, 'must be at least 16 characters').optional()),
  /** Deadline for each engine call unless the call sets its own. */
  QUIRE_ENGINE_TIMEOUT_MS: z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: 'must be a whole number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .positive('must be greater than 0')
      .default(5000),
  ),
});

const checked = schema.superRefine((value, context) => {
  if (value.QUIRE_EDGE_PURGE_URLS.length > 0 && !value.QUIRE_EDGE_PURGE_SECRET) {
    context.addIssue({ code: 'custom', path: ['QUIRE_EDGE_PURGE_SECRET'], message: 'is required when QUIRE_EDGE_PURGE_URLS is set' });
  }
});

export type Env = z.infer<typeof schema>;

/**
 * Validates `source` (normally `process.env`). Throws one error naming every
 * invalid variable; values are never echoed, since some are secrets.
 */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = checked.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new Error(`Invalid environment variables:\n${problems.join('\n')}`);
}

let cached: Env | undefined;

/** The validated configuration, parsed from `process.env` on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
