import { connection } from 'next/server';
import { readMediaFile } from '@/lib/engine/media';
import { mediaPath } from '@/lib/route-params';

/**
 * Files of the media library. Their paths are content-hashed (the original's
 * SHA-256), so a path's bytes never change: browsers and the edge keep them a
 * year without asking again. Never cached by the web itself (the engine
 * streams them; the edge holds the copies). Only raster images are ever
 * stored, and they are served as their own type with `nosniff` under a CSP
 * that forbids everything (next.config.ts, `MEDIA_FILE_CSP`), so a file
 * opened on its own runs nothing.
 */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export async function GET(request: Request, { params }: { params: Promise<{ hash: string; file: string }> }) {
  await connection();
  const { hash, file } = await params;
  const path = mediaPath(hash, file);
  if (!path) return missing();
  const etag = `"${hash}/${file}"`;
  if (request.headers.get('if-none-match') === etag) {
    return new Response(null, { status: 304, headers: { etag, 'cache-control': IMMUTABLE } });
  }
  const outcome = await readMediaFile(path);
  if (outcome.kind === 'not-found' || outcome.kind === 'invalid') return missing();
  if (outcome.kind !== 'ok') {
    return new Response('The file cannot be read right now.', { status: 503, headers: { 'cache-control': 'no-store', 'retry-after': '1' } });
  }
  const { contentType, byteSize, body } = outcome.value;
  return new Response(body, {
    headers: {
      'content-type': contentType,
      'content-length': byteSize.toString(),
      'cache-control': IMMUTABLE,
      etag,
      'x-content-type-options': 'nosniff',
    },
  });
}

/** A 404 the edge may keep briefly (an upload may yet create the file). */
function missing(): Response {
  return new Response('Not found', { status: 404, headers: { 'cache-control': 'public, max-age=60', 'content-type': 'text/plain' } });
}
