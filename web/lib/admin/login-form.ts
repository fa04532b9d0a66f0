/** The contract between the login form and its Server Action. */

export type LoginFormState =
  | { status: 'idle'; email: string }
  /** The engine's BadRequest, beside the field it names. */
  | { status: 'invalid'; email: string; fieldErrors: { email?: string; password?: string } }
  /** Wrong email or password; the engine does not say which. */
  | { status: 'rejected'; email: string }
  | { status: 'rate-limited'; email: string }
  | { status: 'failed'; email: string };

export type LoginFormAction = (state: LoginFormState, formData: FormData) => Promise<LoginFormState>;

export const INITIAL_LOGIN_STATE: LoginFormState = { status: 'idle', email: '' };
