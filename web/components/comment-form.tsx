'use client';

import { useActionState } from 'react';
import {
  COMMENT_LIMITS,
  type CommentField,
  type CommentFormAction,
  type CommentFormState,
  INITIAL_COMMENT_FORM_STATE,
} from '@/lib/comment-form';

/**
 * The reader's comment form: the only client component of a post's page.
 * It posts `postId`, `authorName`, `authorEmail` and `body` to `action`, the
 * Server Action that creates the comment, and shows the state it answers.
 * Without JavaScript the same action runs as a plain form post.
 *
 * `action` is the form's one wiring. Until a page passes it, the form posts to
 * the page's own URL, which ignores it.
 */
export function CommentForm({ postId, action }: { postId: string; action?: CommentFormAction }) {
  const [state, formAction, pending] = useActionState<CommentFormState, FormData>(
    action ?? keepState,
    INITIAL_COMMENT_FORM_STATE,
  );
  const fieldErrors = state.status === 'invalid' ? state.fieldErrors : {};

  return (
    <form action={action ? formAction : undefined} method="post" className="space-y-4">
      <input type="hidden" name="postId" value={postId} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          name="authorName"
          label="Name"
          autoComplete="name"
          required
          maxLength={COMMENT_LIMITS.authorName}
          error={fieldErrors.authorName}
        />
        <Field
          name="authorEmail"
          label="Email (optional, never shown)"
          type="email"
          autoComplete="email"
          maxLength={COMMENT_LIMITS.authorEmail}
          error={fieldErrors.authorEmail}
        />
      </div>
      <Field name="body" label="Comment" multiline required maxLength={COMMENT_LIMITS.body} error={fieldErrors.body} />
      <div className="flex flex-wrap items-center gap-4">
        <button
          type="submit"
          disabled={pending}
          className="rounded bg-accent px-5 py-2 font-medium text-canvas hover:opacity-90 disabled:opacity-60"
        >
          {pending ? 'Sending…' : 'Post comment'}
        </button>
        <StatusMessage state={state} />
      </div>
    </form>
  );
}

/** Stands in for the action in `useActionState` while none is passed; never called then. */
async function keepState(state: CommentFormState): Promise<CommentFormState> {
  return state;
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

function StatusMessage({ state }: { state: CommentFormState }) {
  const message = (() => {
    switch (state.status) {
      case 'idle':
        return undefined;
      case 'submitted':
        return state.visibility === 'approved'
          ? 'Thank you: your comment is published.'
          : 'Thank you: your comment will appear once a moderator approves it.';
      case 'invalid':
        return 'Please correct the fields marked above.';
      case 'rate-limited':
        return 'Too many comments in a short time. Please wait a moment and try again.';
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
