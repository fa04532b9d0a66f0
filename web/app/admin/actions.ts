'use server';

import { draftMode } from 'next/headers';
import { redirect } from 'next/navigation';
import { signOut } from '@/lib/admin/auth';
import { adminRoutes } from '@/lib/admin/routes';
import { clearSession, readSession } from '@/lib/session';

/** Ends the session at the engine, forgets the cookie and leaves draft mode. */
export async function logOut(): Promise<void> {
  const session = await readSession();
  if (session) {
    const outcome = await signOut(session);
    // An already-ended session is what we want; anything else is worth a log line.
    if (outcome.kind !== 'ok' && outcome.kind !== 'unauthenticated') console.error('sign-out failed:', outcome.kind);
  }
  await clearSession();
  (await draftMode()).disable();
  redirect(adminRoutes.login());
}
