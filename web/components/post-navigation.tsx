import Link from 'next/link';
import type { PostIndexEntry } from '@/lib/engine/posts';
import { routes } from '@/lib/routes';

/** Links to the previous (older) and next (newer) posts. */
export function PostNavigation({ older, newer }: { older?: PostIndexEntry; newer?: PostIndexEntry }) {
  if (!older && !newer) return null;
  return (
    <nav aria-label="More posts" className="grid gap-4 sm:grid-cols-2">
      {older ? <Neighbour entry={older} label="Previous post" rel="prev" /> : <span className="hidden sm:block" />}
      {newer && <Neighbour entry={newer} label="Next post" rel="next" alignEnd />}
    </nav>
  );
}

function Neighbour({
  entry,
  label,
  rel,
  alignEnd = false,
}: {
  entry: PostIndexEntry;
  label: string;
  rel: 'prev' | 'next';
  alignEnd?: boolean;
}) {
  return (
    <Link
      href={routes.post(entry.slug)}
      rel={rel}
      className={`group rounded-lg border border-rule p-4 hover:border-accent ${alignEnd ? 'sm:text-right' : ''}`}
    >
      <span className="block text-xs font-medium uppercase tracking-wide text-muted">
        {rel === 'prev' ? '← ' : ''}
        {label}
        {rel === 'next' ? ' →' : ''}
      </span>
      <span className="mt-1 block font-serif font-semibold group-hover:text-accent">{entry.title}</span>
    </Link>
  );
}
