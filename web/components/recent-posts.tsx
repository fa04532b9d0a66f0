import Link from 'next/link';
import { connection } from 'next/server';
import { listRecentPosts, type PostSummary } from '@/lib/engine/posts';

const RECENT_POSTS_PAGE_SIZE = 10;

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' });

/**
 * The home page's list of posts. It waits for a real request before asking the
 * engine, so `next build` never needs a running engine; the list itself comes
 * from the `use cache` entry in lib/engine/posts.ts, shared across requests.
 */
export async function RecentPosts() {
  await connection();
  const outcome = await listRecentPosts(RECENT_POSTS_PAGE_SIZE);

  if (outcome.kind === 'unavailable') {
    console.error(`home page: recent posts unavailable: ${outcome.message}`);
    return (
      <p role="status" className="text-muted">
        Posts can’t be loaded right now. Please try again in a moment.
      </p>
    );
  }

  if (outcome.value.length === 0) {
    return <p className="text-muted">Nothing has been published yet.</p>;
  }

  return (
    <ol className="space-y-10">
      {outcome.value.map((post) => (
        <li key={post.id}>
          <PostSummaryCard post={post} />
        </li>
      ))}
    </ol>
  );
}

function PostSummaryCard({ post }: { post: PostSummary }) {
  return (
    <article>
      <h2 className="font-serif text-2xl font-semibold tracking-tight">
        <Link href={`/${post.slug}`} className="hover:text-accent">
          {post.title}
        </Link>
      </h2>
      <p className="mt-1 text-sm text-muted">
        {post.publishTime && <time dateTime={post.publishTime}>{dateFormat.format(new Date(post.publishTime))}</time>}
        {post.authorName && <> · {post.authorName}</>}
        {post.readingTimeMinutes > 0 && <> · {post.readingTimeMinutes} min read</>}
      </p>
      {post.excerpt && <p className="mt-3 leading-relaxed">{post.excerpt}</p>}
    </article>
  );
}

export function RecentPostsPlaceholder() {
  return (
    <div aria-busy="true" aria-label="Loading posts" className="space-y-10">
      {Array.from({ length: 3 }, (_, index) => (
        <div key={index} className="animate-pulse space-y-3">
          <div className="h-7 w-2/3 rounded bg-rule" />
          <div className="h-4 w-1/3 rounded bg-rule" />
          <div className="h-4 w-full rounded bg-rule" />
        </div>
      ))}
    </div>
  );
}
