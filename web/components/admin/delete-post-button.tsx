'use client';

import { useActionState, useState } from 'react';
import { type DeletePostState, deletePostAction } from '@/app/admin/posts/actions';
import { RequestIdField } from '@/components/request-id-field';
import { alertClass, dangerButtonClass, secondaryButtonClass } from './styles';
import { SubmitButton } from './submit-button';

/**
 * Deletes a post after an explicit second click; the etag makes sure it is the version the author saw.
 * `requestId`: the delete's request id, made by the page.
 */
export function DeletePostButton({ id, etag, title, requestId }: { id: string; etag: string; title: string; requestId: string }) {
  const [state, formAction] = useActionState<DeletePostState, FormData>(deletePostAction, { status: 'idle' });
  const [confirming, setConfirming] = useState(false);

  if (!confirming) {
    return (
      <button type="button" className={dangerButtonClass} onClick={() => setConfirming(true)}>
        Delete…
      </button>
    );
  }
  return (
    <form action={formAction} className={`${alertClass} space-y-3`} role="group" aria-labelledby="delete-question">
      <input type="hidden" name="id" value={id} />
      <input type="hidden" name="etag" value={etag} />
      <RequestIdField state={state} initial={requestId} outcomeUnknown={state.status === 'unavailable'} />
      <p id="delete-question">
        Delete “{title}” with its revisions and comments? This cannot be undone.
      </p>
      {state.status !== 'idle' && (
        <p role="alert" className="text-accent">
          {(() => {
            switch (state.status) {
              case 'stale':
                return 'The post changed since this page was loaded. Reload the page and try again.';
              case 'forbidden':
                return 'Your role does not allow deleting this post.';
              case 'signed-out':
                return 'Your session has ended. Sign in again, then try again.';
              case 'unavailable':
              case 'failed':
                return 'The post could not be deleted right now. Please try again.';
            }
          })()}
        </p>
      )}
      <div className="flex gap-3">
        <SubmitButton pendingLabel="Deleting…" className={dangerButtonClass}>
          Yes, delete permanently
        </SubmitButton>
        <button type="button" className={secondaryButtonClass} onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
