import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

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
};

export default nextConfig;
