import 'server-only';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { type MediaItem, MediaState } from '@quire/gen/quire/v1/media_pb';
import type { UploadMediaRequestSchema } from '@quire/gen/quire/v1/media_service_pb';
import { engine } from '@/lib/engine/clients';
import { type Outcome, outcomeOf } from '@/lib/engine/errors';
import { asSession } from '@/lib/engine/transport';
import type { Session } from '@/lib/session';

/** The media library as the admin shows it (media_service.proto), with the signed-in author's session. */

/** The engine's limits on an upload (media_service.proto): the whole file, and one message of it. */
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;
/** The engine's limit on an upload's duration (QUIRE_UPLOAD_TIMEOUT_MS): the file streams in at the writer's pace. */
const UPLOAD_TIMEOUT_MS = 120_000;
const LIBRARY_PAGE_SIZE = 60;

/** An item as the library page and the editor need it. */
export type LibraryItem = Pick<MediaItem, 'id' | 'filename' | 'path' | 'width' | 'height' | 'altText' | 'caption' | 'etag'> & {
  ready: boolean;
  failed: boolean;
  /** The smallest variant, for thumbnails (the original until variants exist). */
  thumbnail: string;
  createTime: string | undefined;
};

export function libraryItem(item: MediaItem): LibraryItem {
  const smallest = [...item.variants].filter((variant) => variant.contentType === 'image/webp').sort((a, b) => a.width - b.width)[0];
  return {
    id: item.id,
    filename: item.filename,
    path: item.path,
    width: item.width,
    height: item.height,
    altText: item.altText,
    caption: item.caption,
    etag: item.etag,
    ready: item.state === MediaState.READY,
    failed: item.state === MediaState.FAILED,
    thumbnail: smallest?.path ?? item.path,
    createTime: item.createTime && timestampDate(item.createTime).toISOString(),
  };
}

/**
 * Uploads `body` (an image's bytes, as the browser sends them) to the library,
 * streamed to the engine in chunks as it arrives, never held whole.
 */
export async function uploadMedia(
  session: Session,
  filename: string,
  body: ReadableStream<Uint8Array>,
): Promise<Outcome<{ item: LibraryItem; existed: boolean }>> {
  const outcome = await outcomeOf(
    engine().media.uploadMedia(uploadMessages(filename, body), { ...asSession(session.token), timeoutMs: UPLOAD_TIMEOUT_MS }),
  );
  if (outcome.kind !== 'ok') return outcome;
  const { item, existed } = outcome.value;
  if (!item) return { kind: 'unavailable', message: 'UploadMedia answered without an item' };
  return { kind: 'ok', value: { item: libraryItem(item), existed } };
}

type UploadMessage = MessageInitShape<typeof UploadMediaRequestSchema>;

/** The header, then the body re-cut into chunks of at most `CHUNK_BYTES`. */
async function* uploadMessages(filename: string, body: ReadableStream<Uint8Array>): AsyncGenerator<UploadMessage> {
  yield { part: { case: 'header', value: { filename } } };
  for await (const piece of body) {
    for (let start = 0; start < piece.length; start += CHUNK_BYTES) {
      yield { part: { case: 'chunk', value: piece.subarray(start, start + CHUNK_BYTES) } };
    }
  }
}

export type LibraryPage = { items: LibraryItem[]; nextPageToken: string };

/** One page of the library, newest first. */
export async function listLibrary(session: Session, pageToken = ''): Promise<Outcome<LibraryPage>> {
  const outcome = await outcomeOf(engine().media.listMedia({ pageSize: LIBRARY_PAGE_SIZE, pageToken }, asSession(session.token)));
  if (outcome.kind !== 'ok') return outcome;
  return { kind: 'ok', value: { items: outcome.value.items.map(libraryItem), nextPageToken: outcome.value.nextPageToken } };
}

/** Sets an item's alt text and caption, refused (ABORTED: a conflict) when `etag` is stale. */
export async function describeMedia(
  session: Session,
  edit: { id: string; etag: string; altText: string; caption: string },
): Promise<Outcome<LibraryItem>> {
  const outcome = await outcomeOf(
    engine().media.updateMedia(
      { item: { id: edit.id, etag: edit.etag, altText: edit.altText, caption: edit.caption }, updateMask: { paths: ['alt_text', 'caption'] } },
      asSession(session.token),
    ),
  );
  if (outcome.kind !== 'ok') return outcome;
  const { item } = outcome.value;
  return item ? { kind: 'ok', value: libraryItem(item) } : { kind: 'unavailable', message: 'UpdateMedia answered without an item' };
}

/** Deletes an item; refused (a conflict) while a post uses it. */
export async function deleteMedia(session: Session, id: string, etag: string): Promise<Outcome<unknown>> {
  return outcomeOf(engine().media.deleteMedia({ id, etag }, asSession(session.token)));
}
