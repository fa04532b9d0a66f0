import type { PostFormState } from '@/lib/admin/post-form';
import { alertClass } from './styles';

/** What the last submit answered, below the fields: saving, or why it was not saved. */
export function PostFormMessage({ state, pending }: { state: PostFormState; pending: boolean }) {
  if (pending) {
    return (
      <p role="status" aria-live="polite" className="text-sm text-muted">
        Saving…
      </p>
    );
  }
  const message = messageOf(state);
  return (
    <p role="alert" aria-live="polite" className={message ? alertClass : 'sr-only'}>
      {message}
    </p>
  );
}

function messageOf(state: PostFormState): string | undefined {
  switch (state.status) {
    case 'editing':
    case 'stale':
      return undefined;
    case 'invalid':
      return ['Please correct the fields marked above.', ...state.formErrors].join(' ');
    case 'forbidden':
      // The engine refused the whole write: a refused publish saves nothing either.
      return 'Your role does not allow this change, so nothing was saved. Your text is still here.';
    case 'signed-out':
      return 'Your session has ended. Sign in again in another tab (/admin/login), then submit again: your text is kept here.';
    case 'failed':
      switch (state.reason) {
        case 'not-found':
          return 'This post no longer exists (it may have been deleted).';
        case 'rate-limited':
          return 'Too many requests. Please wait a moment and try again.';
        case 'unavailable':
          return 'The post could not be saved right now. Please try again.';
      }
  }
}
