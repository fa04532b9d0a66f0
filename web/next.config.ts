import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';
import { allowedActionOrigins, securityHeaders } from './lib/security-headers';

// The npm workspace root: node_modules are hoisted there and @quire/gen lives
// in ../gen/ts, so file tracing for the standalone server must start there.
const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const nextConfig: NextConfig = {
  output: 'standalone',
  outputFileTracingRoot: workspaceRoot,
  reactStrictMode: true,
  poweredByHeader: false,
  // @quire/gen ships TypeScript sources (its exports point at src/*.ts).
  transpilePackages: ['@quire/gen'],
  // Data is cached with 'use cache' + cacheLife + cacheTag (see lib/engine/).
  cacheComponents: true,
  // Links prefetch each route's shared App Shell (the default from Next 17).
  partialPrefetching: true,
  experimental: {
    serverActions: {
      // Server Actions accept same-origin requests only, plus these hosts (see lib/security-headers.ts).
      allowedOrigins: allowedActionOrigins(process.env.QUIRE_ALLOWED_ORIGINS),
    },
    // Pages rendered at run time stay in this process's memory instead of
    // web/.next: a restarted server cannot serve pages whose invalidations it
    // missed, and servers sharing one build (replicas, tests) share nothing
    // through the disk. A shared cache handler is the way to share them.
    isrFlushToDisk: false,
  },
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders() }];
  },
  async rewrites() {
    return {
      // Routes that need the engine are dynamic-param routes, prerendered at
      // build time only when the engine answers and otherwise on first
      // request (see lib/engine/prerender.ts); these fixed URLs are served
      // by such routes. A static route would need the engine during `next build`.
      beforeFiles: [
        { source: '/', destination: '/page/1' },
        { source: '/sitemap.xml', destination: '/sitemaps/all.xml' },
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
      { source: '/sitemaps/all.xml', destination: '/sitemap.xml', permanent: true },
    ];
  },
};

export default nextConfig;
