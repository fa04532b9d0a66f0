// Calls the engine with `buf curl` (gRPC over HTTP/2, schema from server
// reflection): the client an internal team would reach for first.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUF = path.join(ROOT, 'node_modules', '.bin', 'buf');

/**
 * Calls `method` (e.g. "quire.v1.PostService/GetPost") with `body`.
 * @returns {Promise<{ ok: true, body: any } | { ok: false, error: { code: string, message: string, details?: any[] } }>}
 */
export function bufCurl(baseUrl, method, body, key) {
  const args = ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--data', JSON.stringify(body ?? {})];
  if (key) args.push('--header', `authorization: Bearer ${key}`);
  args.push(`${baseUrl}/${method}`);
  return new Promise((resolve, reject) => {
    execFile(BUF, args, { timeout: 20_000 }, (error, stdout, stderr) => {
      if (!error) return resolve({ ok: true, body: stdout.trim() ? JSON.parse(stdout) : {} });
      try {
        resolve({ ok: false, error: JSON.parse(stderr) });
      } catch {
        reject(new Error(`buf curl failed without a gRPC status:\n${stderr}`));
      }
    });
  });
}
