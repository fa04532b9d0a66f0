import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Not found' };

export default function NotFound() {
  return (
    <section className="space-y-4">
      <h1 className="font-serif text-3xl font-semibold tracking-tight">Page not found</h1>
      <p className="text-muted">There is nothing at this address.</p>
      <p>
        <Link href="/" className="text-accent underline underline-offset-4">
          Back to the home page
        </Link>
      </p>
    </section>
  );
}
