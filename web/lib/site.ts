import 'server-only';
import { env } from './env';

/** The blog's identity and public origin, from the environment (lib/env.ts). */
export type Site = { name: string; description: string; url: string };

export function site(): Site {
  const { QUIRE_SITE_NAME, QUIRE_SITE_DESCRIPTION, QUIRE_SITE_URL } = env();
  return { name: QUIRE_SITE_NAME, description: QUIRE_SITE_DESCRIPTION, url: new URL(QUIRE_SITE_URL).origin };
}

/** `path` (from lib/routes.ts) as an absolute URL on the public origin. */
export function absoluteUrl(path: string): string {
  return new URL(path, site().url).toString();
}
