import 'server-only';
import { cookies } from 'next/headers';
import { env } from '@/lib/env';

/**
 * The signed-in author's session, kept in one httpOnly cookie: the engine's
 * session token (the credential) and the author's id (to look the author up
 * again with that token, which also proves the token still works). The
 * engine decides what the token may do; this module only carries it.
 */

export const SESSION_COOKIE = 'quire_session';
/** Admin pages and their Server Actions are the only readers of the cookie. */
const SESSION_COOKIE_PATH = '/admin';

export type Session = { authorId: string; token: string };

/** The cookie's value: `<author id>:<token>` (a UUID has no colon). */
export function encodeSession(session: Session): string {
  return `${session.authorId}:${session.token}`;
}

/** The session in a cookie value, or undefined when it is not one. */
export function decodeSession(value: string | undefined): Session | undefined {
  if (!value) return undefined;
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) return undefined;
  return { authorId: value.slice(0, colon), token: value.slice(colon + 1) };
}

export type SessionCookieOptions = {
  httpOnly: true;
  secure: boolean;
  sameSite: 'lax';
  path: string;
  expires: Date;
};

/**
 * httpOnly and SameSite=Lax always; Secure everywhere except a site served
 * over plain http from the local machine, where browsers would drop it.
 */
export function sessionCookieOptions(siteUrl: string, expires: Date): SessionCookieOptions {
  const { protocol, hostname } = new URL(siteUrl);
  const local = protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
  return { httpOnly: true, secure: !local, sameSite: 'lax', path: SESSION_COOKIE_PATH, expires };
}

/** The session of this request, if it carries one (not checked with the engine). */
export async function readSession(): Promise<Session | undefined> {
  return decodeSession((await cookies()).get(SESSION_COOKIE)?.value);
}

/** Stores a new session until the engine's `expire_time`. Server Actions only. */
export async function storeSession(session: Session, expires: Date): Promise<void> {
  (await cookies()).set(SESSION_COOKIE, encodeSession(session), sessionCookieOptions(env().QUIRE_SITE_URL, expires));
}

/** Forgets the session. Server Actions only. */
export async function clearSession(): Promise<void> {
  (await cookies()).set(SESSION_COOKIE, '', sessionCookieOptions(env().QUIRE_SITE_URL, new Date(0)));
}
