'use server';

import type { Post } from '@quire/gen/quire/v1/post_pb';
import { updateTag } from 'next/cache';
import { draftMode } from 'next/headers';
import { redirect } from 'next/navigation';
import { authorOf } from '@/lib/admin/auth';
import { parsePostForm, placeFieldErrors, type PostFormState, type PostFormValues, valuesOfPost } from '@/lib/admin/post-form';
import {
  deletePost,
  getPostForEditing,
  previewMarkdown,
  publishPost,
  savePostContent,
  unpublishPost,
  type WriteOutcome,
} from '@/lib/admin/posts';
import { adminRoutes } from '@/lib/admin/routes';
import { type PostTagFacts, tagsForPostMutation } from '@/lib/engine/cache-tags';
import { readSession, type Session } from '@/lib/session';
import { textField } from '@/lib/form-data';

/**
 * The editor's Server Actions. Each one reads the session cookie, makes its
 * engine calls as the author (lib/admin/posts.ts), updates the cache tags of
 * every reader page the change affects (read-your-writes), and either
 * redirects or answers a state that carries the submitted values back.
 */

/** Saves the editor's content, then publishes, schedules or withdraws it as the button asked. */
export async function savePost(_state: PostFormState, formData: FormData): Promise<PostFormState> {
  const { values, intent } = parsePostForm(formData);
  const session = await readSession();
  if (!session) return { status: 'signed-out', values };

  let publishAt: Date | undefined;
  if (intent === 'schedule') {
    publishAt = values.publishAt ? new Date(values.publishAt) : undefined;
    if (!publishAt || Number.isNaN(publishAt.getTime())) {
      return { status: 'invalid', values, fieldErrors: { publishAt: 'Choose when to publish.' }, formErrors: [] };
    }
  }

  const before = values.id ? await getPostForEditing(session, values.id) : undefined;
  const requestId = textField(formData, 'requestId');
  const saved = await savePostContent(session, values, requestId);
  if (saved.kind !== 'ok') return failedState(saved, values, session, false);

  let post = saved.value;
  let lifecycle: WriteOutcome<Post> = { kind: 'ok', value: post };
  switch (intent) {
    case 'publish':
    case 'schedule':
      lifecycle = await publishPost(session, post, publishAt);
      break;
    case 'unpublish':
    case 'archive':
      lifecycle = await unpublishPost(session, post, intent === 'archive');
      break;
    case 'save':
      break;
  }
  if (lifecycle.kind === 'ok') post = lifecycle.value;

  invalidate(before?.kind === 'ok' ? before.value : undefined, post);
  // The content is saved either way: the editor continues from the saved version.
  if (lifecycle.kind !== 'ok') return failedState(lifecycle, { ...values, id: post.id, etag: post.etag }, session, true);
  redirect(adminRoutes.editPost(post.id, intent === 'save' ? 'saved' : intent));
}

export type DeletePostState = { status: 'idle' } | { status: 'stale' | 'forbidden' | 'failed' | 'signed-out' };

/** Deletes the post at the version the author confirmed. */
export async function deletePostAction(_state: DeletePostState, formData: FormData): Promise<DeletePostState> {
  const session = await readSession();
  if (!session) return { status: 'signed-out' };
  const id = textField(formData, 'id');
  const before = await getPostForEditing(session, id);
  const outcome = await deletePost(session, id, textField(formData, 'etag'));
  switch (outcome.kind) {
    case 'ok':
    case 'not-found':
      invalidate(before.kind === 'ok' ? before.value : undefined, undefined);
      redirect(adminRoutes.posts());
    case 'stale':
    case 'conflict':
      return { status: 'stale' };
    case 'forbidden':
      return { status: 'forbidden' };
    case 'unauthenticated':
      return { status: 'signed-out' };
    case 'invalid':
    case 'rate-limited':
    case 'unavailable':
      return { status: 'failed' };
  }
}

export type PreviewResult =
  | { kind: 'ok'; html: string; wordCount: number; readingTimeMinutes: number }
  | { kind: 'signed-out' | 'failed' };

/** The editor's live preview: the engine renders (and sanitises) unsaved Markdown. */
export async function previewPost(markdown: string): Promise<PreviewResult> {
  const session = await readSession();
  if (!session) return { kind: 'signed-out' };
  const outcome = await previewMarkdown(session, markdown);
  switch (outcome.kind) {
    case 'ok':
      return {
        kind: 'ok',
        html: outcome.value.html,
        wordCount: outcome.value.wordCount,
        readingTimeMinutes: outcome.value.readingTimeMinutes,
      };
    case 'unauthenticated':
      return { kind: 'signed-out' };
    default:
      return { kind: 'failed' };
  }
}

/**
 * Turns on draft mode for a signed-in author and opens the draft preview.
 * Only a session the engine still accepts gets it.
 */
export async function openDraftPreview(formData: FormData): Promise<void> {
  const session = await readSession();
  const author = session && (await authorOf(session));
  if (author?.kind !== 'ok') redirect(adminRoutes.login());
  (await draftMode()).enable();
  redirect(adminRoutes.preview(textField(formData, 'id')));
}

/** Drops every reader page that showed the post before or shows it now. */
function invalidate(before: PostTagFacts | undefined, after: PostTagFacts | undefined): void {
  for (const tag of tagsForPostMutation(before, after)) updateTag(tag);
}

async function failedState(
  failure: Exclude<WriteOutcome<unknown>, { kind: 'ok' }>,
  values: PostFormValues,
  session: Session,
  contentSaved: boolean,
): Promise<PostFormState> {
  switch (failure.kind) {
    case 'invalid':
      return { status: 'invalid', values, ...placeFieldErrors(failure.fieldErrors) };
    case 'stale':
    case 'conflict': {
      const latest = values.id ? await getPostForEditing(session, values.id) : undefined;
      return { status: 'stale', values, latest: latest?.kind === 'ok' ? valuesOfPost(latest.value) : undefined };
    }
    case 'forbidden':
      return { status: 'forbidden', values, contentSaved };
    case 'unauthenticated':
      return { status: 'signed-out', values };
    case 'not-found':
    case 'rate-limited':
      return { status: 'failed', values, reason: failure.kind };
    case 'unavailable':
      console.error('saving a post failed:', failure.message);
      return { status: 'failed', values, reason: 'unavailable' };
  }
}
