// Calls the engine with `buf curl` (gRPC over HTTP/2, schema from server
// reflection): the client an internal team would reach for first.
import path from 'node:path';
import { ROOT, runProgram } from '../../scripts/lib/processes.mjs';

const BUF = path.join(ROOT, 'node_modules', '.bin', 'buf');

/**
 * Calls `method` (e.g. "quire.v1.PostService/GetPost") with `body`.
 * @returns {Promise<{ ok: true, body: any } | { ok: false, error: { code: string, message: string, details?: any[] } }>}
 */
export async function bufCurl(baseUrl, method, body, key) {
  const args = ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--data', JSON.stringify(body ?? {})];
  if (key) args.push('--header', `authorization: Bearer ${key}`);
  args.push(`${baseUrl}/${method}`);
  const { code, stdout, stderr } = await runProgram(BUF, args, { timeoutMs: 20_000 });
  if (code === 0) return { ok: true, body: stdout.trim() ? JSON.parse(stdout) : {} };
  try {
    return { ok: false, error: JSON.parse(stderr) };
  } catch {
    throw new Error(`buf curl failed without a gRPC status:\n${stderr}`);
  }
}
