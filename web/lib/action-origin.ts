/**
 * Whether a Server Action request comes from a page of ours: the same rule
 * Next.js applies (the `Origin`'s host is the request's host, as a proxy
 * forwards it in `x-forwarded-host`, or one of the allowed hosts, where
 * `*.example.com` matches any subdomain), checked first in web/proxy.ts so a
 * refusal is a clean 403 rather than the 500 Next.js answers. Browsers send
 * an `Origin` with every POST: none, or `null`, is refused too.
 */
export function actionOriginAllowed(
  origin: string | null,
  requestHost: string | null,
  allowedHosts: readonly string[],
): boolean {
  if (!origin || origin === 'null') return false;
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return false;
  }
  const patterns = [requestHost?.toLowerCase(), ...allowedHosts.map((host) => host.toLowerCase())];
  return patterns.some((pattern) => pattern !== undefined && hostMatches(originHost, pattern));
}

function hostMatches(host: string, pattern: string): boolean {
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return host === pattern;
}

/**
 * Whether a request comes from a page of ours, by `actionOriginAllowed`
 * applied to its headers and the allowed hosts (`QUIRE_ALLOWED_ORIGINS`,
 * inlined at build time from next.config.ts, like Next.js's own allow-list).
 */
export function requestFromOwnSite(headers: Headers): boolean {
  const host = headers.get('x-forwarded-host') ?? headers.get('host');
  const allowed = (process.env.QUIRE_ALLOWED_ORIGINS ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  return actionOriginAllowed(headers.get('origin'), host, allowed);
}
