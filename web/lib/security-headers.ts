/**
 * The security headers of every response, in one place (next.config.ts sends
 * them). Kept free of runtime imports: Next loads it with the config.
 *
 * Why 'unsafe-inline' for scripts: reader pages are static (prerendered once,
 * served to everyone from the cache), and Next.js embeds each page's React
 * Server Components payload as inline scripts. A per-request nonce would make
 * every page dynamic (Next's CSP guide: nonces disable static rendering and
 * partial prerendering), and hashes differ per page. Everything else is as
 * strict as the site allows: only our own origin for scripts, styles, fonts,
 * connections and forms; no plugins, no framing, no <base> injection.
 * Post bodies are sanitised by the engine, so injected markup cannot run.
 */
export function contentSecurityPolicy(): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'", "'unsafe-inline'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    // Cover images and avatars may live on any HTTPS host (an author's CDN).
    'img-src': ["'self'", 'https:', 'data:', 'blob:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'media-src': ["'self'", 'https:'],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

export type Header = { key: string; value: string };

export function securityHeaders(): Header[] {
  return [
    { key: 'Content-Security-Policy', value: contentSecurityPolicy() },
    // Browsers ignore it over plain HTTP, so it is safe to send everywhere.
    { key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains' },
    { key: 'X-Content-Type-Options', value: 'nosniff' },
    { key: 'X-Frame-Options', value: 'DENY' },
    { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
    { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()' },
    { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  ];
}

/**
 * Hosts besides the site's own from which Server Actions may be invoked
 * (QUIRE_ALLOWED_ORIGINS, comma-separated, e.g. `blog.example.com,*.example.com`):
 * needed only behind a proxy that does not forward the public host in
 * `x-forwarded-host`. Read when the app is built.
 */
export function allowedActionOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((host) => host.trim())
    .filter(Boolean);
}
