import { type NextRequest, NextResponse } from 'next/server';
import { requestFromOwnSite } from '@/lib/action-origin';

/**
 * Runs only for Server Action calls (requests carrying `next-action`; see
 * `config`), so cached pages are served without it. It applies Next.js's own
 * origin rule first (lib/action-origin.ts), so that a call from another site,
 * a look-alike host, `Origin: null` or no `Origin` (which Next.js lets through
 * with a warning) is refused with a clean 403 before Next.js sees it.
 */
export function proxy(request: NextRequest) {
  if (!requestFromOwnSite(request.headers)) {
    return new NextResponse('Forbidden: this Server Action may only be called from the site itself.', { status: 403 });
  }
  return NextResponse.next();
}

export const config = {
  matcher: [{ source: '/:path*', has: [{ type: 'header', key: 'next-action' }] }],
};
