import Link from 'next/link';
import type { PostSummary } from '@/lib/engine/posts';
import { routes } from '@/lib/routes';
import { PostMeta } from './post-meta';
import { TagList } from './tag-list';

/** A listing's posts, newest first: title, excerpt, author, date, reading time, tags. */
export function PostList({ posts, headingLevel = 2 }: { posts: PostSummary[]; headingLevel?: 2 | 3 }) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <ol className="divide-y divide-rule">
      {posts.map((post) => (
        <li key={post.id} className="py-8 first:pt-0">
          <article className="space-y-3">
            <Heading className="font-serif text-2xl font-semibold tracking-tight text-balance">
              <Link dir="auto" href={routes.post(post.slug)} className="hover:text-accent">
                {post.title}
              </Link>
            </Heading>
            <PostMeta author={post.author} publishTime={post.publishTime} readingTimeMinutes={post.readingTimeMinutes} />
            {post.excerpt && (
              <p dir="auto" className="leading-relaxed text-pretty">
                {post.excerpt}
              </p>
            )}
            <TagList tags={post.tags} />
          </article>
        </li>
      ))}
    </ol>
  );
}
