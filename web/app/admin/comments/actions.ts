'use server';

import { CommentStatus } from '@quire/gen/quire/v1/comment_pb';
import { updateTag } from 'next/cache';
import { redirect } from 'next/navigation';
import { deleteComment, moderateComment } from '@/lib/admin/comments';
import { adminRoutes } from '@/lib/admin/routes';
import { readSession } from '@/lib/session';
import { textField } from '@/lib/form-data';
import { requestIdFrom } from '@/lib/request-id';

/** `unavailable`: the engine did not answer, so the decision may have been applied; sending it again is its retry. */
export type ModerationState = { status: 'idle' } | { status: 'forbidden' | 'failed' | 'unavailable' | 'signed-out' };

/** Approves, marks as spam or deletes one comment (the `decision` button), then shows the queue again. */
export async function moderate(_state: ModerationState, formData: FormData): Promise<ModerationState> {
  const session = await readSession();
  if (!session) return { status: 'signed-out' };
  const id = textField(formData, 'id');
  const decision = formData.get('decision');
  const requestId = requestIdFrom(formData);
  const outcome =
    decision === 'delete'
      ? await deleteComment(session, id, requestId)
      : await moderateComment(session, id, decision === 'spam' ? CommentStatus.SPAM : CommentStatus.APPROVED, requestId);
  switch (outcome.kind) {
    case 'ok':
      // An approved comment appears on its post's page (and in its count): the engine says which tags that drops.
      for (const tag of outcome.value.cacheTags) updateTag(tag);
      redirect(adminRoutes.comments());
    case 'not-found':
      redirect(adminRoutes.comments());
    case 'forbidden':
      return { status: 'forbidden' };
    case 'unauthenticated':
      return { status: 'signed-out' };
    case 'unavailable':
      return { status: 'unavailable' };
    default:
      return { status: 'failed' };
  }
}
