'use server';

import { revalidatePath } from 'next/cache';
import { deleteMedia, describeMedia, type LibraryItem, listLibrary } from '@/lib/admin/media';
import { adminRoutes } from '@/lib/admin/routes';
import { textField } from '@/lib/form-data';
import { readSession } from '@/lib/session';

/**
 * What the library page shows after an action on one item. `fieldErrors` are
 * the engine's, by field (`altText`, `caption`), shown beside the field.
 */
export type MediaItemState =
  | { status: 'idle' | 'saved' }
  | { status: 'invalid'; fieldErrors: { altText?: string; caption?: string } }
  | { status: 'failed'; message: string };

const SIGNED_OUT = 'Your session has ended. Sign in again.';
const UNAVAILABLE = 'That did not work right now. Please try again.';

/** Saves an item's alt text and caption (the `save` button) or deletes it (the `delete` button). */
export async function changeMediaItem(_state: MediaItemState, formData: FormData): Promise<MediaItemState> {
  const session = await readSession();
  if (!session) return { status: 'failed', message: SIGNED_OUT };
  const id = textField(formData, 'id');
  const etag = textField(formData, 'etag');

  if (formData.get('intent') === 'delete') {
    const outcome = await deleteMedia(session, id, etag);
    switch (outcome.kind) {
      case 'ok':
      case 'not-found':
        revalidatePath(adminRoutes.media());
        return { status: 'idle' };
      case 'conflict':
        return { status: 'failed', message: 'A post still uses this image (or it changed meanwhile): remove it from the post first.' };
      case 'forbidden':
        return { status: 'failed', message: 'Only editors, admins and the uploader may delete this image.' };
      case 'unauthenticated':
        return { status: 'failed', message: SIGNED_OUT };
      default:
        return { status: 'failed', message: UNAVAILABLE };
    }
  }

  const outcome = await describeMedia(session, { id, etag, altText: textField(formData, 'altText'), caption: textField(formData, 'caption') });
  switch (outcome.kind) {
    case 'ok':
      revalidatePath(adminRoutes.media());
      return { status: 'saved' };
    case 'invalid':
      return {
        status: 'invalid',
        fieldErrors: { altText: outcome.fieldErrors['item.alt_text'], caption: outcome.fieldErrors['item.caption'] },
      };
    case 'conflict':
      return { status: 'failed', message: 'Someone changed this image meanwhile: reload the page to see their version.' };
    case 'not-found':
      return { status: 'failed', message: 'This image has been deleted.' };
    case 'forbidden':
      return { status: 'failed', message: 'Your role may not describe this image.' };
    case 'unauthenticated':
      return { status: 'failed', message: SIGNED_OUT };
    default:
      return { status: 'failed', message: UNAVAILABLE };
  }
}

/** The library's newest images, for the editor's cover picker; or the sentence to show. */
export async function libraryChoices(): Promise<{ items: LibraryItem[] } | { error: string }> {
  const session = await readSession();
  if (!session) return { error: SIGNED_OUT };
  const outcome = await listLibrary(session);
  if (outcome.kind === 'ok') return { items: outcome.value.items };
  return { error: outcome.kind === 'unauthenticated' ? SIGNED_OUT : UNAVAILABLE };
}
