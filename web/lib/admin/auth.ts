import 'server-only';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Author } from '@quire/gen/quire/v1/author_pb';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { cache } from 'react';
import { engine } from '@/lib/engine/clients';
import { type Outcome, outcomeOf } from '@/lib/engine/errors';
import { asSession } from '@/lib/engine/transport';
import { readSession, type Session } from '@/lib/session';
import { type Permissions, permissionsOf } from './roles';
import { adminRoutes } from './routes';

/** The signed-in author as the admin pages need them: never the email. */
export type AdminAuthor = Pick<Author, 'id' | 'slug' | 'displayName' | 'role'>;

export type SignedIn = { session: Session; author: AdminAuthor; permissions: Permissions };

/** Checks an email and password with the engine, from the client `clientKey`, and starts a session. */
export async function signIn(
  email: string,
  password: string,
  clientKey: string,
): Promise<Outcome<{ session: Session; expires: Date; author: AdminAuthor }>> {
  const outcome = await outcomeOf(engine().authors.authenticate({ email, password, clientKey }));
  if (outcome.kind !== 'ok') return outcome;
  const { sessionToken, expireTime, author } = outcome.value;
  if (!author || !expireTime) return { kind: 'unavailable', message: 'Authenticate answered without an author or expiry' };
  return {
    kind: 'ok',
    value: { session: { authorId: author.id, token: sessionToken }, expires: timestampDate(expireTime), author: toAdmin(author) },
  };
}

/** Ends the session at the engine: its token stops working at once. */
export async function signOut(session: Session): Promise<Outcome<unknown>> {
  return outcomeOf(engine().authors.signOut({}, asSession(session.token)));
}

/**
 * The author of `session`, asked of the engine with the session's own token:
 * an ended or expired session answers UNAUTHENTICATED.
 */
export async function authorOf(session: Session): Promise<Outcome<AdminAuthor>> {
  const outcome = await outcomeOf(
    engine().authors.getAuthor({ key: { case: 'id', value: session.authorId } }, asSession(session.token)),
  );
  if (outcome.kind !== 'ok') return outcome;
  const { author } = outcome.value;
  return author ? { kind: 'ok', value: toAdmin(author) } : { kind: 'not-found' };
}

/**
 * The signed-in author of this request, when it carries a session that the
 * engine still accepts; once per request (it reads cookies: call it inside
 * <Suspense>).
 */
export const currentSignedIn = cache(async (): Promise<SignedIn | undefined> => {
  // Request time only: cookies() alone still allows a runtime prerender,
  // where the engine calls' deadlines (Date.now()) are refused.
  await connection();
  const session = await readSession();
  if (!session) return undefined;
  const outcome = await authorOf(session);
  switch (outcome.kind) {
    case 'ok':
      return { session, author: outcome.value, permissions: permissionsOf(outcome.value.role) };
    case 'unauthenticated':
    case 'not-found':
      return undefined;
    default:
      throw new Error(`checking the session failed: ${outcome.kind}`);
  }
});

/** The signed-in author, or a redirect to the login page. Every admin page but login calls this first. */
export async function requireSignedIn(): Promise<SignedIn> {
  const signedIn = await currentSignedIn();
  if (!signedIn) redirect(adminRoutes.login());
  return signedIn;
}

function toAdmin(author: Author): AdminAuthor {
  return { id: author.id, slug: author.slug, displayName: author.displayName, role: author.role };
}
