'use client';

/**
 * Shown when rendering a page fails. Server errors reach the browser only as a
 * generic message and a digest (the id in the server log), so nothing internal
 * is displayed; the digest is offered as a reference for a bug report.
 */
export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error && 'digest' in error && typeof error.digest === 'string' ? error.digest : undefined;

  return (
    <section className="space-y-4">
      <h1 className="font-serif text-3xl font-semibold tracking-tight">Something went wrong</h1>
      <p className="text-muted">This page could not be shown. Please try again.</p>
      {digest && <p className="text-sm text-muted">Reference: {digest}</p>}
      <button
        type="button"
        onClick={() => retry()}
        className="rounded border border-rule px-4 py-2 hover:border-accent hover:text-accent"
      >
        Try again
      </button>
    </section>
  );
}
