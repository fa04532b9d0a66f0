import Link from 'next/link';

/** Newer/older links between the numbered pages of a listing. */
export function Pagination({
  page,
  pageCount,
  pathOf,
}: {
  page: number;
  pageCount: number;
  /** The URL of page n (lib/routes.ts). */
  pathOf: (page: number) => string;
}) {
  if (pageCount <= 1) return null;
  const linkClass = 'rounded border border-rule px-4 py-2 font-medium hover:border-accent hover:text-accent';
  return (
    <nav aria-label="Pages" className="mt-12 flex items-center justify-between gap-4 text-sm">
      {page > 1 ? (
        <Link href={pathOf(page - 1)} rel="prev" className={linkClass}>
          ← Newer posts
        </Link>
      ) : (
        <span />
      )}
      <span className="text-muted">
        Page {page} of {pageCount}
      </span>
      {page < pageCount ? (
        <Link href={pathOf(page + 1)} rel="next" className={linkClass}>
          Older posts →
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}
