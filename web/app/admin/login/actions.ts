'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { signIn } from '@/lib/admin/auth';
import type { LoginFormState } from '@/lib/admin/login-form';
import { adminRoutes } from '@/lib/admin/routes';
import { storeSession } from '@/lib/session';
import { requestClientKey } from '@/lib/client-key';
import { textField } from '@/lib/form-data';

/** Signs an author in with the engine and keeps the session in the cookie until the engine's expiry. */
export async function logIn(_state: LoginFormState, formData: FormData): Promise<LoginFormState> {
  const email = textField(formData, 'email').trim();
  const password = textField(formData, 'password');
  // Failures are throttled per account and client: a stranger cannot lock the author out.
  const outcome = await signIn(email, password, requestClientKey(await headers()));
  switch (outcome.kind) {
    case 'ok':
      await storeSession(outcome.value.session, outcome.value.expires);
      redirect(adminRoutes.posts());
    case 'invalid':
      return {
        status: 'invalid',
        email,
        fieldErrors: { email: outcome.fieldErrors.email, password: outcome.fieldErrors.password },
      };
    case 'unauthenticated':
    case 'not-found':
      return { status: 'rejected', email };
    case 'rate-limited':
      return { status: 'rate-limited', email };
    case 'conflict':
    case 'forbidden':
    case 'unavailable':
      if (outcome.kind === 'unavailable') console.error('sign-in failed:', outcome.message);
      return { status: 'failed', email };
  }
}
