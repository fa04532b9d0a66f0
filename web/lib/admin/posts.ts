import 'server-only';
import { create } from '@bufbuild/protobuf';
import { FieldMaskSchema, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { type Post, PostStatus, PostView } from '@quire/gen/quire/v1/post_pb';
import type { DeletePostResponse, PreviewPostResponse, UpdatePostResponse } from '@quire/gen/quire/v1/post_service_pb';
import { engine } from '@/lib/engine/clients';
import { type EngineFailure, failureFrom, fieldErrorsOf, type Outcome, outcomeOf } from '@/lib/engine/errors';
import { asSession } from '@/lib/engine/transport';
import type { Session } from '@/lib/session';
import { EDITOR_UPDATE_MASK, type PostFormValues, type PostIntent, postOf } from './post-form';
import { type PostStatusFilter, statusesOf } from './post-status';

/**
 * The editor's engine calls, each made as the signed-in author (their
 * session token), so that the engine applies the author's role. Nothing
 * here is cached: authors must see their own writes at once.
 */

export const ADMIN_PAGE_SIZE = 20;

/**
 * A write's outcome. Unlike `failureFrom`, it tells a stale etag (`stale`:
 * offer the latest version) from a taken slug (a field error).
 */
export type WriteOutcome<T> = { kind: 'ok'; value: T } | { kind: 'stale' } | EngineFailure;

async function writeOutcomeOf<T>(call: Promise<T>): Promise<WriteOutcome<T>> {
  try {
    return { kind: 'ok', value: await call };
  } catch (error) {
    if (error instanceof ConnectError && error.code === Code.Aborted) return { kind: 'stale' };
    if (error instanceof ConnectError && error.code === Code.AlreadyExists) {
      return { kind: 'invalid', fieldErrors: fieldErrorsOf(error) };
    }
    return failureFrom(error);
  }
}

/** One page of the author's posts in a state (all posts for editors; their own for contributors). */
export async function listAdminPosts(session: Session, status: PostStatusFilter, pageToken: string) {
  return outcomeOf(
    engine().posts.listPosts(
      { statuses: statusesOf(status), pageToken, pageSize: ADMIN_PAGE_SIZE, view: PostView.BASIC },
      asSession(session.token),
    ),
  );
}

/** A post in any state, with its Markdown, for editing or previewing. */
export async function getPostForEditing(session: Session, id: string): Promise<Outcome<Post>> {
  const outcome = await outcomeOf(
    engine().posts.getPost({ key: { case: 'id', value: id }, view: PostView.FULL }, asSession(session.token)),
  );
  if (outcome.kind !== 'ok') return outcome;
  return outcome.value.post ? { kind: 'ok', value: outcome.value.post } : { kind: 'not-found' };
}

/** The editor's live preview: Markdown rendered by the engine, sanitised, not stored. */
export async function previewMarkdown(session: Session, markdown: string): Promise<Outcome<PreviewPostResponse>> {
  return outcomeOf(engine().posts.previewPost({ markdown }, asSession(session.token)));
}

/** The status each intent moves the post to, in the same write as its content; UNSPECIFIED keeps it. */
const STATUS_OF_INTENT: Record<PostIntent, PostStatus> = {
  save: PostStatus.UNSPECIFIED,
  publish: PostStatus.PUBLISHED,
  schedule: PostStatus.SCHEDULED,
  unpublish: PostStatus.DRAFT,
  archive: PostStatus.ARCHIVED,
};

/** A saved post, with the cache tags its write invalidated. */
export type SavedPost = { post: Post } & Pick<UpdatePostResponse, 'cacheTags'>;

/**
 * Saves the editor's values in one write: creates the post (no id) or
 * updates the editor's fields of it, and moves it to the status `intent`
 * asks for (scheduled for `publishAt`) in the same transaction. The update
 * carries the etag the post was opened at, so that someone else's save in
 * between answers `stale` instead of being overwritten; a status change the
 * author's role does not allow answers `forbidden` and writes nothing.
 * `requestId` makes it once-only: a retry answers the first attempt's result.
 */
export async function writePost(
  session: Session,
  values: PostFormValues,
  intent: PostIntent,
  publishAt: Date | undefined,
  requestId: string,
): Promise<WriteOutcome<SavedPost>> {
  const target = { status: STATUS_OF_INTENT[intent], publishTime: publishAt && timestampFromDate(publishAt) };
  const credentials = asSession(session.token);
  const outcome = values.id
    ? await writeOutcomeOf(
        engine().posts.updatePost(
          { post: postOf(values), updateMask: create(FieldMaskSchema, { paths: [...EDITOR_UPDATE_MASK] }), requestId, ...target },
          credentials,
        ),
      )
    : await writeOutcomeOf(engine().posts.createPost({ post: postOf(values), requestId, ...target }, credentials));
  if (outcome.kind !== 'ok') return outcome;
  const { post, cacheTags } = outcome.value;
  return post ? { kind: 'ok', value: { post, cacheTags } } : { kind: 'not-found' };
}

/** Deletes the post, unless it changed since `etag`, once per `requestId`; answers the cache tags the delete invalidated. */
export async function deletePost(
  session: Session,
  id: string,
  etag: string,
  requestId: string,
): Promise<WriteOutcome<DeletePostResponse>> {
  return writeOutcomeOf(engine().posts.deletePost({ id, etag, requestId }, asSession(session.token)));
}
