'use server';

import { headers } from 'next/headers';
import { requestClientKey } from '@/lib/client-key';
import {
  COMMENT_LIMITS,
  type CommentField,
  type CommentFormState,
  ENGINE_COMMENT_FIELDS,
  HONEYPOT_FIELD,
  MAX_SENT_COMMENTS,
  type SentComment,
} from '@/lib/comment-form';
import { textField } from '@/lib/form-data';
import { createComment } from '@/lib/engine/comments';
import { requestIdFrom } from '@/lib/request-id';

/**
 * Creates a reader's comment on the post `postId` (the comment form's
 * action). The engine validates, rate-limits by client and decides whether
 * the comment waits for moderation; the page's cached comment list follows
 * through the change feed, and meanwhile the form shows the reader's own
 * comment from the state returned here.
 */
export async function submitComment(state: CommentFormState, formData: FormData): Promise<CommentFormState> {
  const values: Record<CommentField, string> = {
    authorName: textField(formData, 'authorName'),
    authorEmail: textField(formData, 'authorEmail'),
    body: textField(formData, 'body'),
  };
  const requestId = requestIdFrom(formData);
  const postId = textField(formData, 'postId');
  // The previous state comes from the browser: keep only what is well-formed.
  const previous = (Array.isArray(state?.sent) ? state.sent : []).filter(isSentComment).slice(-MAX_SENT_COMMENTS + 1);

  if (textField(formData, HONEYPOT_FIELD) !== '') {
    // A bot: answer as if stored, store nothing.
    return { outcome: { status: 'submitted', visibility: 'pending' }, sent: previous, values: {} };
  }
  if (postId === '') {
    return { outcome: { status: 'failed' }, sent: previous, values };
  }

  const outcome = await createComment(
    { postId, ...values },
    requestId,
    requestClientKey(await headers()),
  );
  switch (outcome.kind) {
    case 'ok': {
      const sent: SentComment = {
        id: outcome.value.id,
        authorName: values.authorName.trim(),
        body: values.body.trim(),
        visibility: outcome.value.visibility,
      };
      return { outcome: { status: 'submitted', visibility: outcome.value.visibility }, sent: [...previous, sent], values: {} };
    }
    case 'invalid': {
      const fieldErrors: Partial<Record<CommentField, string>> = {};
      for (const [path, message] of Object.entries(outcome.fieldErrors)) {
        const field = ENGINE_COMMENT_FIELDS[path];
        if (field) fieldErrors[field] = message;
      }
      // A violation on a field the reader cannot fix (the post id): a failure, not a form error.
      const status = Object.keys(fieldErrors).length > 0 ? { status: 'invalid' as const, fieldErrors } : { status: 'failed' as const };
      return { outcome: status, sent: previous, values };
    }
    case 'rate-limited':
      return { outcome: { status: 'rate-limited' }, sent: previous, values };
    case 'unavailable':
      console.error(`comment not sent: ${outcome.message}`);
      return { outcome: { status: 'unavailable' }, sent: previous, values };
    default:
      return { outcome: { status: 'failed' }, sent: previous, values };
  }
}

function isSentComment(value: unknown): value is SentComment {
  if (typeof value !== 'object' || value === null) return false;
  const comment = value as Record<string, unknown>;
  return (
    typeof comment.id === 'string' &&
    typeof comment.authorName === 'string' &&
    comment.authorName.length <= COMMENT_LIMITS.authorName &&
    typeof comment.body === 'string' &&
    comment.body.length <= COMMENT_LIMITS.body &&
    (comment.visibility === 'pending' || comment.visibility === 'approved')
  );
}
