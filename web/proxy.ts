import { type NextRequest, NextResponse } from 'next/server';

/**
 * Runs only for Server Action calls (requests carrying `next-action`; see
 * `config`), so cached pages are served without it. Next.js itself rejects
 * an action whose `Origin` names another host (beyond the allowed origins in
 * next.config.ts) but lets one with no `Origin`, or `Origin: null`, through
 * with a warning. Browsers send a real `Origin` with every POST, so such a
 * request comes from something that is not our page: refuse it.
 */
export function proxy(request: NextRequest) {
  const origin = request.headers.get('origin');
  if (!origin || origin === 'null') {
    return new NextResponse('Forbidden: a Server Action needs an Origin header.', { status: 403 });
  }
  return NextResponse.next();
}

export const config = {
  matcher: [{ source: '/:path*', has: [{ type: 'header', key: 'next-action' }] }],
};
