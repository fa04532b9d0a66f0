'use client';

import { useActionState, useOptimistic } from 'react';
import {
  COMMENT_LIMITS,
  type CommentField,
  type CommentFormAction,
  type CommentOutcome,
  HONEYPOT_FIELD,
  INITIAL_COMMENT_FORM_STATE,
  type SentComment,
} from '@/lib/comment-form';
import { textField } from '@/lib/form-data';
import { REQUEST_ID_FIELD, requestIdFrom } from '@/lib/request-id';
import { RequestIdField } from './request-id-field';

/**
 * The reader's comment form: the only client component of a post's page.
 * `action` (the Server Action) creates the comment. The comment appears at
 * once beneath the list, marked as sending (useOptimistic); when the engine
 * refuses it, it disappears again, the message says why and the form keeps
 * what was typed.
 */
export function CommentForm({ postId, action }: { postId: string; action: CommentFormAction }) {
  const [state, dispatch, pending] = useActionState(action, INITIAL_COMMENT_FORM_STATE);
  const [shown, showSending] = useOptimistic<SentComment[], SentComment>(state.sent, (sent, sending) => [
    ...sent,
    sending,
  ]);
  const fieldErrors = state.outcome.status === 'invalid' ? state.outcome.fieldErrors : {};

  function send(formData: FormData) {
    // The form's request id (RequestIdField) also names the comment while it is sending.
    const requestId = requestIdFrom(formData);
    formData.set(REQUEST_ID_FIELD, requestId);
    showSending({
      id: requestId,
      authorName: textField(formData, 'authorName').trim(),
      body: textField(formData, 'body').trim(),
      visibility: 'sending',
    });
    dispatch(formData);
  }

  return (
    <div className="space-y-6">
      {shown.length > 0 && <SentComments comments={shown} />}
      <form action={send} className="space-y-4">
        <input type="hidden" name="postId" value={postId} />
        <RequestIdField state={state} outcomeUnknown={state.outcome.status === 'unavailable'} />
        {/* The honeypot: hidden from people and assistive technology, filled by bots. */}
        <div aria-hidden="true" className="absolute -left-[9999px] h-px w-px overflow-hidden">
          <label htmlFor={`comment-${HONEYPOT_FIELD}`}>Leave this empty</label>
          <input id={`comment-${HONEYPOT_FIELD}`} name={HONEYPOT_FIELD} tabIndex={-1} autoComplete="off" defaultValue="" />
        </div>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            name="authorName"
            label="Name"
            autoComplete="name"
            required
            maxLength={COMMENT_LIMITS.authorName}
            defaultValue={state.values.authorName}
            error={fieldErrors.authorName}
          />
          <Field
            name="authorEmail"
            label="Email (optional, never shown)"
            type="email"
            autoComplete="email"
            maxLength={COMMENT_LIMITS.authorEmail}
            defaultValue={state.values.authorEmail}
            error={fieldErrors.authorEmail}
          />
        </div>
        <Field
          name="body"
          label="Comment"
          multiline
          required
          maxLength={COMMENT_LIMITS.body}
          defaultValue={state.values.body}
          error={fieldErrors.body}
        />
        <div className="flex flex-wrap items-center gap-4">
          <button
            type="submit"
            disabled={pending}
            className="rounded bg-accent px-5 py-2 font-medium text-canvas hover:opacity-90 disabled:opacity-60"
          >
            {pending ? 'Sending…' : 'Post comment'}
          </button>
          <StatusMessage outcome={state.outcome} />
        </div>
      </form>
    </div>
  );
}

/** The reader's own comments from this visit, with where each one stands. */
function SentComments({ comments }: { comments: SentComment[] }) {
  const label = { sending: 'Sending…', pending: 'Awaiting moderation', approved: 'Published' } as const;
  return (
    <ol aria-label="Your comments" className="space-y-6">
      {comments.map((comment) => (
        <li key={comment.id} data-visibility={comment.visibility}>
          <article
            aria-label={`Your comment, ${label[comment.visibility].toLowerCase()}`}
            className={`rounded-lg border border-dashed border-rule p-4 ${comment.visibility === 'sending' ? 'opacity-70' : ''}`}
          >
            <p className="text-sm">
              <span className="font-semibold">{comment.authorName}</span>
              <span className="text-muted"> · {label[comment.visibility]}</span>
            </p>
            <p className="mt-2 whitespace-pre-line leading-relaxed">{comment.body}</p>
          </article>
        </li>
      ))}
    </ol>
  );
}

function Field({
  name,
  label,
  error,
  multiline = false,
  ...inputProps
}: {
  name: CommentField;
  label: string;
  error?: string;
  multiline?: boolean;
  type?: string;
  autoComplete?: string;
  defaultValue?: string;
  required?: boolean;
  maxLength: number;
}) {
  const id = `comment-${name}`;
  const errorId = `${id}-error`;
  const shared = {
    id,
    name,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? errorId : undefined,
    className:
      'mt-1 block w-full rounded border border-rule bg-canvas px-3 py-2 text-ink placeholder:text-muted focus:border-accent',
    ...inputProps,
  };
  return (
    <div>
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      {multiline ? <textarea rows={5} {...shared} /> : <input {...shared} />}
      {error && (
        <p id={errorId} className="mt-1 text-sm text-accent">
          {error}
        </p>
      )}
    </div>
  );
}

function StatusMessage({ outcome }: { outcome: CommentOutcome }) {
  const message = (() => {
    switch (outcome.status) {
      case 'idle':
        return undefined;
      case 'submitted':
        return outcome.visibility === 'approved'
          ? 'Thank you: your comment is published.'
          : 'Thank you: your comment will appear once a moderator approves it.';
      case 'invalid':
        return 'Please correct the fields marked above.';
      case 'rate-limited':
        return 'Too many comments in a short time. Please wait a moment and try again.';
      case 'unavailable':
      case 'failed':
        return 'Your comment could not be sent. Please try again later.';
    }
  })();
  return (
    <p role="status" aria-live="polite" className="text-sm text-muted">
      {message}
    </p>
  );
}
