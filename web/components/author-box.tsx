import Link from 'next/link';
import type { PostDetail } from '@/lib/engine/posts';
import { routes } from '@/lib/routes';

/** Who wrote the post, with their bio and a link to their other posts. */
export function AuthorBox({ author }: { author: NonNullable<PostDetail['author']> }) {
  return (
    <aside aria-labelledby="author-heading" className="flex gap-4 rounded-lg border border-rule p-5">
      {author.avatarUrl && (
        // A remote image of unknown size: fixed box, no layout shift, loaded late.
        <img
          src={author.avatarUrl}
          alt=""
          width={64}
          height={64}
          loading="lazy"
          decoding="async"
          className="size-16 shrink-0 rounded-full object-cover"
        />
      )}
      <div className="space-y-1">
        <h2 id="author-heading" className="font-serif text-lg font-semibold">
          <span className="sr-only">About the author: </span>
          <Link href={routes.author(author.slug)} className="hover:text-accent">
            {author.displayName}
          </Link>
        </h2>
        {author.bio && <p className="text-sm leading-relaxed text-muted">{author.bio}</p>}
        <p className="text-sm">
          <Link href={routes.author(author.slug)} className="font-medium text-accent hover:underline underline-offset-4">
            More posts by {author.displayName}
          </Link>
        </p>
      </div>
    </aside>
  );
}
