import 'server-only';
import { create } from '@bufbuild/protobuf';
import { FieldMaskSchema, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { type Post, type PostSchema, PostView } from '@quire/gen/quire/v1/post_pb';
import type { PreviewPostResponse } from '@quire/gen/quire/v1/post_service_pb';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { engine } from '@/lib/engine/clients';
import { type EngineFailure, failureFrom, fieldErrorsOf, type Outcome, outcomeOf } from '@/lib/engine/errors';
import { asSession } from '@/lib/engine/transport';
import type { Session } from '@/lib/session';
import { EDITOR_UPDATE_MASK, type PostFormValues, tagNames } from './post-form';
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

/** The Post message the editor's values stand for. */
function postOf(values: PostFormValues): MessageInitShape<typeof PostSchema> {
  return {
    id: values.id,
    etag: values.etag,
    title: values.title,
    slug: values.slug,
    markdown: values.markdown,
    tags: tagNames(values.tags).map((name) => ({ name })),
    coverImageUrl: values.coverImageUrl.trim(),
    coverImageAlt: values.coverImageAlt,
    seo: {
      metaTitle: values.metaTitle,
      metaDescription: values.metaDescription,
      canonicalUrl: values.canonicalUrl.trim(),
    },
  };
}

/**
 * Creates the post (new values, no id) or updates the editor's fields of it,
 * with the etag it was opened at, so that someone else's save in between
 * answers `stale` instead of being overwritten.
 */
export async function savePostContent(
  session: Session,
  values: PostFormValues,
  requestId: string,
): Promise<WriteOutcome<Post>> {
  const credentials = asSession(session.token);
  const outcome = values.id
    ? await writeOutcomeOf(
        engine().posts.updatePost(
          { post: postOf(values), updateMask: create(FieldMaskSchema, { paths: [...EDITOR_UPDATE_MASK] }) },
          credentials,
        ),
      )
    : await writeOutcomeOf(engine().posts.createPost({ post: postOf(values), requestId }, credentials));
  if (outcome.kind !== 'ok') return outcome;
  return outcome.value.post ? { kind: 'ok', value: outcome.value.post } : { kind: 'not-found' };
}

/** Publishes now (no `at`) or schedules for `at`. */
export async function publishPost(session: Session, post: Post, at: Date | undefined): Promise<WriteOutcome<Post>> {
  const outcome = await writeOutcomeOf(
    engine().posts.publishPost(
      { id: post.id, etag: post.etag, publishTime: at && timestampFromDate(at) },
      asSession(session.token),
    ),
  );
  if (outcome.kind !== 'ok') return outcome;
  return outcome.value.post ? { kind: 'ok', value: outcome.value.post } : { kind: 'not-found' };
}

/** Withdraws a published or scheduled post: back to draft, or archived. */
export async function unpublishPost(session: Session, post: Post, archive: boolean): Promise<WriteOutcome<Post>> {
  const outcome = await writeOutcomeOf(
    engine().posts.unpublishPost({ id: post.id, etag: post.etag, archive }, asSession(session.token)),
  );
  if (outcome.kind !== 'ok') return outcome;
  return outcome.value.post ? { kind: 'ok', value: outcome.value.post } : { kind: 'not-found' };
}

/** Deletes the post, unless it changed since `etag`. */
export async function deletePost(session: Session, id: string, etag: string): Promise<WriteOutcome<unknown>> {
  return writeOutcomeOf(engine().posts.deletePost({ id, etag }, asSession(session.token)));
}
