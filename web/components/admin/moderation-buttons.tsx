'use client';

import { useActionState } from 'react';
import { type ModerationState, moderate } from '@/app/admin/comments/actions';
import { RequestIdField } from '@/components/request-id-field';
import { secondaryButtonClass, dangerButtonClass } from './styles';
import { SubmitButton } from './submit-button';

/** Approve, spam and delete for one pending comment; `requestId`, the decision's request id, is made by the page. */
export function ModerationButtons({ id, authorName, requestId }: { id: string; authorName: string; requestId: string }) {
  const [state, formAction] = useActionState<ModerationState, FormData>(moderate, { status: 'idle' });
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-3" aria-label={`Moderate the comment by ${authorName}`}>
      <input type="hidden" name="id" value={id} />
      <RequestIdField state={state} initial={requestId} outcomeUnknown={state.status === 'unavailable'} />
      <SubmitButton name="decision" value="approve" pendingLabel="Working…" className={secondaryButtonClass}>
        Approve
      </SubmitButton>
      <SubmitButton name="decision" value="spam" pendingLabel="Working…" className={secondaryButtonClass}>
        Mark as spam
      </SubmitButton>
      <SubmitButton name="decision" value="delete" pendingLabel="Working…" className={dangerButtonClass}>
        Delete
      </SubmitButton>
      {state.status !== 'idle' && (
        <p role="alert" className="text-sm text-accent">
          {state.status === 'forbidden'
            ? 'Only editors and admins moderate comments.'
            : state.status === 'signed-out'
              ? 'Your session has ended. Sign in again.'
              : 'That did not work. Please try again.'}
        </p>
      )}
    </form>
  );
}
