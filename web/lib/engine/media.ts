import 'server-only';
import { engine } from './clients';
import { failureFrom, type Outcome } from './errors';

/** A file of the media library, its bytes streamed from the engine as they arrive. */
export type MediaFile = { contentType: string; byteSize: bigint; body: ReadableStream<Uint8Array> };

/**
 * The media file at `path` (`/media/<sha256>/<name>`). The engine answers a
 * missing file before its first message, so the outcome is known before the
 * body streams; a failure midway ends the body with an error, which aborts
 * the response rather than serving a truncated file as whole.
 */
export async function readMediaFile(path: string): Promise<Outcome<MediaFile>> {
  const messages = engine().media.readMediaFile({ path })[Symbol.asyncIterator]();
  let first: IteratorResult<{ info?: { contentType: string; byteSize: bigint }; chunk: Uint8Array }>;
  try {
    first = await messages.next();
  } catch (error) {
    return failureFrom(error);
  }
  const info = first.done ? undefined : first.value.info;
  if (!info) return { kind: 'unavailable', message: 'the engine sent a media file without its type' };
  const head = first.done ? undefined : first.value.chunk;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head && head.length > 0) controller.enqueue(head);
    },
    async pull(controller) {
      const next = await messages.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value.chunk);
    },
    async cancel() {
      await messages.return?.();
    },
  });
  return { kind: 'ok', value: { contentType: info.contentType, byteSize: info.byteSize, body } };
}
