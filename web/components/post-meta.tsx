import Link from 'next/link';
import type { AuthorLink } from '@/lib/engine/posts';
import { formatReadingTime } from '@/lib/format';
import { routes } from '@/lib/routes';
import { FormattedDate } from './formatted-date';

/** "Ada Lovelace · 2 January 2026 · 4 min read". */
export function PostMeta({
  author,
  publishTime,
  readingTimeMinutes,
}: {
  author: AuthorLink | undefined;
  publishTime: string | undefined;
  readingTimeMinutes: number;
}) {
  const parts = [
    author && (
      <Link key="author" href={routes.author(author.slug)} className="font-medium text-ink hover:text-accent">
        {author.displayName}
      </Link>
    ),
    publishTime && <FormattedDate key="date" iso={publishTime} />,
    readingTimeMinutes > 0 && <span key="reading">{formatReadingTime(readingTimeMinutes)}</span>,
  ].filter(Boolean);
  return (
    <p className="text-sm text-muted">
      {parts.map((part, index) => (
        <span key={index}>
          {index > 0 && <span aria-hidden="true"> · </span>}
          {part}
        </span>
      ))}
    </p>
  );
}
