import { requestFromOwnSite } from '@/lib/action-origin';
import { MAX_UPLOAD_BYTES, uploadMedia } from '@/lib/admin/media';
import { readSession } from '@/lib/session';

/**
 * Image uploads from the admin (the library page, and images pasted or
 * dropped into the editor): the file's bytes as the request body, its name in
 * `x-filename`, streamed to the engine's UploadMedia as they arrive. A route
 * rather than a Server Action because actions take their body whole (1 MB by
 * default, and a photo is often 10 or 20) and report no upload progress;
 * this route is called with XMLHttpRequest, whose upload events drive the
 * progress bar. It applies the same origin rule as Server Actions
 * (web/proxy.ts), so another site cannot upload with an author's cookie.
 *
 * Answers JSON: `{ item, existed }`, or `{ error }` (a sentence for the author).
 */
export async function POST(request: Request) {
  if (!requestFromOwnSite(request.headers)) {
    return answer(403, { error: 'Uploads are accepted only from the admin of this site.' });
  }
  const session = await readSession();
  if (!session) return answer(401, { error: 'Your session has ended: sign in again to upload.' });

  const length = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(length) && length > MAX_UPLOAD_BYTES) {
    return answer(413, { error: `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB.` });
  }
  if (!request.body || length === 0) return answer(400, { error: 'The file is empty.' });
  const filename = decodeFilename(request.headers.get('x-filename'));

  const outcome = await uploadMedia(session, filename, request.body);
  switch (outcome.kind) {
    case 'ok':
      return answer(200, outcome.value);
    case 'invalid':
      return answer(400, { error: sentence(Object.values(outcome.fieldErrors)[0] ?? 'the file cannot be used as an image') });
    case 'unauthenticated':
      return answer(401, { error: 'Your session has ended: sign in again to upload.' });
    case 'forbidden':
      return answer(403, { error: 'Your role may not upload images.' });
    case 'rate-limited':
      return answer(429, { error: 'Too many uploads at once: try again in a moment.' });
    case 'not-found':
    case 'conflict':
    case 'unavailable':
      console.error(`media upload failed: ${outcome.kind === 'unavailable' ? outcome.message : outcome.kind}`);
      return answer(503, { error: 'The upload could not be stored right now: try again.' });
  }
}

/** The name as the browser sent it (URI-encoded, since headers are Latin-1), at most 200 characters. */
function decodeFilename(raw: string | null): string {
  let name = 'image';
  try {
    name = raw ? decodeURIComponent(raw) : name;
  } catch {
    // A malformed escape: keep the default rather than refuse the file.
  }
  return Array.from(name.replace(/[\u0000-\u001f\u007f]/g, '').trim() || 'image').slice(0, 200).join('');
}

/** The engine's violations about the file read "the file is …": shown as a sentence. */
function sentence(violation: string): string {
  const text = violation.charAt(0).toUpperCase() + violation.slice(1);
  return text.endsWith('.') ? text : `${text}.`;
}

function answer(status: number, body: object): Response {
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}
