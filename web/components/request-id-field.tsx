'use client';

import { useEffect, useState } from 'react';
import { newRequestId, REQUEST_ID_FIELD } from '@/lib/request-id';

/**
 * The hidden request id of a form whose Server Action writes (lib/request-id.ts).
 * Every submission carries it until the action answers (`state`, the
 * action's state, changes). Each answer spends it, so the next submission is
 * a new request: after a success that is plain, and a refusal wrote nothing,
 * so a new id costs nothing. Except an answer that leaves the outcome unknown
 * (`outcomeUnknown`: the engine did not answer, and may have applied the
 * write): sending again is that request's retry, with its id. Should the form
 * have changed meanwhile and the first attempt have landed, the engine refuses
 * the reused id (a conflict, lib/engine/errors.ts), and that answer spends it.
 *
 * `initial` is the id a page rendered per request made, which a submission
 * before hydration posts too. Without one the id is made in the browser: a
 * cached page is one render shared by every reader.
 */
export function RequestIdField<State>({
  state,
  outcomeUnknown = false,
  initial = '',
}: {
  state: State;
  outcomeUnknown?: boolean;
  initial?: string;
}) {
  const [requestId, setRequestId] = useState(initial);
  const [answered, setAnswered] = useState(state);
  if (state !== answered) {
    setAnswered(state);
    if (!outcomeUnknown) setRequestId('');
  }
  // Random, so made after rendering: once hydrated, and after each spent id.
  useEffect(() => {
    if (requestId === '') setRequestId(newRequestId());
  }, [requestId]);
  return <input type="hidden" name={REQUEST_ID_FIELD} value={requestId} />;
}
