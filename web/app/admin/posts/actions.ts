'use server';

import { updateTag } from 'next/cache';
import { draftMode } from 'next/headers';
import { redirect } from 'next/navigation';
import { authorOf } from '@/lib/admin/auth';
import { parsePostForm, placeFieldErrors, type PostFormState, type PostFormValues, valuesOfPost } from '@/lib/admin/post-form';
import { deletePost, getPostForEditing, previewMarkdown, type WriteOutcome, writePost } from '@/lib/admin/posts';
import { adminRoutes } from '@/lib/admin/routes';
import { readSession, type Session } from '@/lib/session';
import { textField } from '@/lib/form-data';
import { requestIdFrom } from '@/lib/request-id';

/**
 * The editor's Server Actions. Each one reads the session cookie, makes its
 * engine call as the author (lib/admin/posts.ts), updates the cache tags the
 * engine says the write invalidated (read-your-writes), and either redirects
 * or answers a state that carries the submitted values back.
 */

/**
 * Saves the editor's content and publishes, schedules or withdraws it as the
 * button asked, in one write; then updates the tags that write invalidated.
 */
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

  const saved = await writePost(session, values, intent, publishAt, requestIdFrom(formData));
  if (saved.kind !== 'ok') return failedState(saved, values, session);
  for (const tag of saved.value.cacheTags) updateTag(tag);
  redirect(adminRoutes.editPost(saved.value.post.id, intent === 'save' ? 'saved' : intent));
}

/** `unavailable`: the engine did not answer, so the post may be deleted; deleting again is the same request's retry. */
export type DeletePostState = { status: 'idle' } | { status: 'stale' | 'forbidden' | 'failed' | 'unavailable' | 'signed-out' };

/** Deletes the post at the version the author confirmed. */
export async function deletePostAction(_state: DeletePostState, formData: FormData): Promise<DeletePostState> {
  const session = await readSession();
  if (!session) return { status: 'signed-out' };
  const outcome = await deletePost(session, textField(formData, 'id'), textField(formData, 'etag'), requestIdFrom(formData));
  switch (outcome.kind) {
    case 'ok':
      for (const tag of outcome.value.cacheTags) updateTag(tag);
      redirect(adminRoutes.posts());
    case 'not-found':
      // Deleted meanwhile (another tab or author): that delete's change has dropped its pages.
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
      return { status: 'failed' };
    case 'unavailable':
      return { status: 'unavailable' };
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

async function failedState(
  failure: Exclude<WriteOutcome<unknown>, { kind: 'ok' }>,
  values: PostFormValues,
  session: Session,
): Promise<PostFormState> {
  switch (failure.kind) {
    case 'invalid':
      return { status: 'invalid', values, ...placeFieldErrors(failure.fieldErrors) };
    case 'stale':
    case 'conflict': {
      // The failure path, so it may read: the editor offers the latest version.
      const latest = values.id ? await getPostForEditing(session, values.id) : undefined;
      return { status: 'stale', values, latest: latest?.kind === 'ok' ? valuesOfPost(latest.value) : undefined };
    }
    case 'forbidden':
      return { status: 'forbidden', values };
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
