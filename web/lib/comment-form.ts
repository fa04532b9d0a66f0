/**
 * The contract between the comment form (a client component) and the Server
 * Action that submits it: the fields it posts, their limits (the engine's,
 * from comment.proto) and the states the action answers with.
 */

/** The form's field names, as posted in its FormData (plus `postId`, hidden). */
export type CommentField = 'authorName' | 'authorEmail' | 'body';

export const COMMENT_LIMITS = { authorName: 80, authorEmail: 254, body: 5000 } as const satisfies Record<
  CommentField,
  number
>;

export type CommentFormState =
  | { status: 'idle' }
  /** Stored; shown at once when approved, otherwise after moderation. */
  | { status: 'submitted'; visibility: 'pending' | 'approved' }
  /** `fieldErrors` maps a form field to its problem, for the reader. */
  | { status: 'invalid'; fieldErrors: Partial<Record<CommentField, string>> }
  | { status: 'rate-limited' }
  /** Anything else (the engine unavailable, the post gone): try again later. */
  | { status: 'failed' };

/** A Server Action usable with `useActionState`. */
export type CommentFormAction = (state: CommentFormState, formData: FormData) => Promise<CommentFormState>;

export const INITIAL_COMMENT_FORM_STATE: CommentFormState = { status: 'idle' };
