import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

// The npm workspace root: node_modules are hoisted there and @quire/gen lives
// in ../gen/ts, so file tracing for the standalone server must start there.
const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The cache handlers: plain JavaScript, because Next.js imports them as they are.
const cacheDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lib', 'cache');

/**
 * The edge's key (`xkey`, deploy/varnish/) for the files of web/public, so
 * the edge keeps them as it keeps pages. No change purges them: they change
 * only with a new build, and a starting replica drops everything the edge
 * holds (lib/changes/start.ts).
 */
const BUILD_FILES_KEY = 'build';

/** `headers()` sources matching the files of web/public (read when the app is built). */
function publicFileSources(): string[] {
  const publicDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');
  // Characters path-to-regexp would read as syntax stand for themselves.
  const literal = (name: string) => name.replace(/[:()*+?{}\\]/g, (c) => `\\${c}`);
  return readdirSync(publicDir, { withFileTypes: true }).map((entry) =>
    // `:path+`, not `*`: `/samples` itself may be a post.
    entry.isDirectory() ? `/${literal(entry.name)}/:path+` : `/${literal(entry.name)}`,
  );
}

// Security headers live here rather than in lib/: on Node 20, Next loads this
// file as CommonJS and cannot resolve imports of other TypeScript files.

/**
 * The Content-Security-Policy of every response. Why 'unsafe-inline' for scripts: reader pages are static (prerendered once,
 * served to everyone from the cache), and Next.js embeds each page's React
 * Server Components payload as inline scripts. A per-request nonce would make
 * every page dynamic (Next's CSP guide: nonces disable static rendering and
 * partial prerendering), and hashes differ per page. Everything else is as
 * strict as the site allows: only our own origin for scripts, styles, fonts,
 * connections and forms; no plugins, no framing, no <base> injection.
 * Post bodies are sanitised by the engine, so injected markup cannot run.
 */
export function contentSecurityPolicy(): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'", "'unsafe-inline'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    // Cover images and avatars may live on any HTTPS host (an author's CDN).
    'img-src': ["'self'", 'https:', 'data:', 'blob:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'media-src': ["'self'", 'https:'],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

export type Header = { key: string; value: string };

/** The Content-Security-Policy of media library files: nothing may load or run. */
export const MEDIA_FILE_CSP = "default-src 'none'; sandbox";

export function securityHeaders(): Header[] {
  return [
    { key: 'Content-Security-Policy', value: contentSecurityPolicy() },
    // Browsers ignore it over plain HTTP, so it is safe to send everywhere.
    { key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains' },
    { key: 'X-Content-Type-Options', value: 'nosniff' },
    { key: 'X-Frame-Options', value: 'DENY' },
    { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
    { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()' },
    { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  ];
}

/**
 * Hosts besides the site's own from which Server Actions may be invoked
 * (QUIRE_ALLOWED_ORIGINS, comma-separated, e.g. `blog.example.com,*.example.com`):
 * needed only behind a proxy that does not forward the public host in
 * `x-forwarded-host`. Read when the app is built.
 */
export function allowedActionOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((host) => host.trim())
    .filter(Boolean);
}

const nextConfig: NextConfig = {
  output: 'standalone',
  // The proxy (proxy.ts) applies the same allow-list before Next.js does.
  env: { QUIRE_ALLOWED_ORIGINS: allowedActionOrigins(process.env.QUIRE_ALLOWED_ORIGINS).join(',') },
  outputFileTracingRoot: workspaceRoot,
  // The Open Graph route reads font slices by computed paths (lib/og/fonts.ts),
  // which tracing cannot follow: the WOFF files of the weights it draws.
  outputFileTracingIncludes: { '/og/\\[slug\\]': ['../node_modules/@fontsource/*/files/*-{400,700}-normal.woff'] },
  reactStrictMode: true,
  poweredByHeader: false,
  // @quire/gen ships TypeScript sources (its exports point at src/*.ts).
  transpilePackages: ['@quire/gen'],
  // Data is cached with 'use cache' + cacheLife + cacheTag (see lib/engine/).
  cacheComponents: true,
  // Pages and 'use cache' entries live in Redis when REDIS_URL is set, shared by
  // every replica, with tag invalidations that hold for all of them; otherwise
  // in memory as by default (see lib/cache/). No in-process copy in front of
  // the shared one: it would not see other replicas' invalidations.
  cacheHandler: path.join(cacheDir, 'incremental-cache-handler.js'),
  cacheHandlers: { default: path.join(cacheDir, 'use-cache-handler.js') },
  cacheMaxMemorySize: 0,
  // Links prefetch each route's shared App Shell (the default from Next 17).
  partialPrefetching: true,
  experimental: {
    serverActions: {
      // Server Actions accept same-origin requests only, plus these hosts (see allowedActionOrigins).
      allowedOrigins: allowedActionOrigins(process.env.QUIRE_ALLOWED_ORIGINS),
    },
    // Pages rendered at run time stay in this process's memory instead of
    // web/.next: a restarted server cannot serve pages whose invalidations it
    // missed, and servers sharing one build (replicas, tests) share nothing
    // through the disk. A shared cache handler is the way to share them.
    isrFlushToDisk: false,
  },
  async headers() {
    return [
      { source: '/:path*', headers: securityHeaders() },
      // Media library files (app/media): images only, never a document: a file opened on its own runs nothing.
      // Later rules win for the same header.
      { source: '/media/:path*', headers: [{ key: 'Content-Security-Policy', value: MEDIA_FILE_CSP }] },
      ...publicFileSources().map((source) => ({ source, headers: [{ key: 'xkey', value: BUILD_FILES_KEY }] })),
    ];
  },
  async rewrites() {
    return {
      // Routes that need the engine are dynamic-param routes, prerendered at
      // build time only when the engine answers and otherwise on first
      // request (see lib/engine/prerender.ts); these fixed URLs are served
      // by such routes. A static route would need the engine during `next build`.
      beforeFiles: [
        { source: '/', destination: '/page/1' },
        { source: '/sitemap.xml', destination: '/sitemaps/index.xml' },
      ],
      afterFiles: [],
      fallback: [],
    };
  },
  async redirects() {
    // One URL per page: the first page of a listing has no /page/1 form.
    return [
      { source: '/page/1', destination: '/', permanent: true },
      { source: '/tag/:slug/page/1', destination: '/tag/:slug', permanent: true },
      { source: '/author/:slug/page/1', destination: '/author/:slug', permanent: true },
      { source: '/sitemaps/index.xml', destination: '/sitemap.xml', permanent: true },
    ];
  },
};

export default nextConfig;
