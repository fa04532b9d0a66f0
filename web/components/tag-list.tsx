import Link from 'next/link';
import type { TagLink } from '@/lib/engine/posts';
import { routes } from '@/lib/routes';

/** A post's tags as links to their pages. */
export function TagList({ tags, label = 'Tags' }: { tags: TagLink[]; label?: string }) {
  if (tags.length === 0) return null;
  return (
    <ul aria-label={label} className="flex flex-wrap gap-x-3 gap-y-1 text-sm font-medium">
      {tags.map((tag) => (
        <li key={tag.slug}>
          <Link href={routes.tag(tag.slug)} className="text-accent hover:underline underline-offset-4">
            #{tag.name}
          </Link>
        </li>
      ))}
    </ul>
  );
}
