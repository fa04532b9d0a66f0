import type { Metadata } from 'next';
import { type ReactNode, Suspense } from 'react';
import { AdminBar } from '@/components/admin/admin-bar';

export const metadata: Metadata = {
  title: { default: 'Admin', template: '%s · Admin' },
  robots: { index: false, follow: false },
};

/**
 * The admin area. Its pages read the session cookie, so they render at
 * request time: with cacheComponents, request-time reads must sit inside
 * <Suspense>; the static shell is this frame and the fallbacks. Each page
 * checks the session itself (lib/admin/auth.ts), redirecting to the login
 * page without one.
 */
export default function AdminLayout({ children }: { children: ReactNode }) {
  return (
    <div>
      <Suspense fallback={<div className="mb-8 h-10 border-b border-rule" />}>
        <AdminBar />
      </Suspense>
      <Suspense fallback={<p className="text-muted">Loading…</p>}>{children}</Suspense>
    </div>
  );
}
