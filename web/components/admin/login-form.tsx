'use client';

import { useActionState } from 'react';
import { logIn } from '@/app/admin/login/actions';
import { INITIAL_LOGIN_STATE, type LoginFormState } from '@/lib/admin/login-form';
import { Field } from './field';
import { alertClass } from './styles';
import { SubmitButton } from './submit-button';

/** The author's sign-in form; the email survives a failed attempt, the password never leaves the field. */
export function LoginForm() {
  const [state, formAction] = useActionState(logIn, INITIAL_LOGIN_STATE);
  const fieldErrors = state.status === 'invalid' ? state.fieldErrors : {};
  return (
    <form action={formAction} className="max-w-sm space-y-4">
      <Field
        id="login-email"
        label="Email"
        error={fieldErrors.email}
        render={(control) => (
          <input {...control} name="email" type="email" autoComplete="username" required defaultValue={state.email} />
        )}
      />
      <Field
        id="login-password"
        label="Password"
        error={fieldErrors.password}
        render={(control) => <input {...control} name="password" type="password" autoComplete="current-password" required />}
      />
      <LoginMessage state={state} />
      <SubmitButton pendingLabel="Signing in…">Sign in</SubmitButton>
    </form>
  );
}

function LoginMessage({ state }: { state: LoginFormState }) {
  const message = (() => {
    switch (state.status) {
      case 'idle':
      case 'invalid':
        return undefined;
      case 'rejected':
        return 'Wrong email or password.';
      case 'rate-limited':
        return 'Too many failed attempts. Please wait a few minutes and try again.';
      case 'failed':
        return 'Signing in is not possible right now. Please try again later.';
    }
  })();
  return message ? (
    <p role="alert" className={alertClass}>
      {message}
    </p>
  ) : null;
}
