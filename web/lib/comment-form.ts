/**
 * The contract between the comment form (a client component) and the Server
 * Action that submits it: the fields it posts, their limits (the engine's,
 * from comment.proto) and the state the action answers with.
 */

/** The form's field names, as posted in its FormData. */
export type CommentField = 'authorName' | 'authorEmail' | 'body';

export const COMMENT_LIMITS = { authorName: 80, authorEmail: 254, body: 5000 } as const satisfies Record<
  CommentField,
  number
>;

/**
 * A hidden field that people never see or fill; spam bots that fill every
 * field do. A submission with it filled is answered like a success and dropped.
 */
export const HONEYPOT_FIELD = 'website';

/** How the last submission ended. */
export type CommentOutcome =
  | { status: 'idle' }
  /** Stored; shown at once when approved, otherwise after moderation. */
  | { status: 'submitted'; visibility: 'pending' | 'approved' }
  /** `fieldErrors` maps a form field to the engine's message about it. */
  | { status: 'invalid'; fieldErrors: Partial<Record<CommentField, string>> }
  | { status: 'rate-limited' }
  /**
   * The engine did not answer: the comment may or may not be stored. Sending
   * it again carries the same request id, so it is stored at most once.
   */
  | { status: 'unavailable' }
  /** Anything else (the post gone, refused for a reason the reader cannot fix): try again later. */
  | { status: 'failed' };

/**
 * A comment this reader sent from the page during this visit. The page's own
 * list shows approved comments from the cache; these are shown beneath it
 * until the page itself shows them. `sending` only ever exists optimistically.
 */
export type SentComment = {
  id: string;
  authorName: string;
  body: string;
  visibility: 'sending' | 'pending' | 'approved';
};

export type CommentFormState = {
  outcome: CommentOutcome;
  sent: SentComment[];
  /** What the reader typed, given back after a failure so that nothing is lost. */
  values: Partial<Record<CommentField, string>>;
};

/** A Server Action usable with `useActionState`. */
export type CommentFormAction = (state: CommentFormState, formData: FormData) => Promise<CommentFormState>;

export const INITIAL_COMMENT_FORM_STATE: CommentFormState = { outcome: { status: 'idle' }, sent: [], values: {} };

/** At most this many of a reader's own comments are carried in the form's state. */
export const MAX_SENT_COMMENTS = 10;

/** The engine's request field paths (comment_service.proto) and the form fields they belong to. */
export const ENGINE_COMMENT_FIELDS: Readonly<Record<string, CommentField>> = {
  'comment.author_name': 'authorName',
  'comment.author_email': 'authorEmail',
  'comment.body': 'body',
};
