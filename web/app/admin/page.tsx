import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Metadata } from 'next';
import Link from 'next/link';
import { StatusBadge } from '@/components/admin/status-badge';
import { FormattedDate } from '@/components/formatted-date';
import { requireSignedIn } from '@/lib/admin/auth';
import { POST_STATUS_FILTERS, parseStatusFilter } from '@/lib/admin/post-status';
import { listAdminPosts } from '@/lib/admin/posts';
import { adminRoutes } from '@/lib/admin/routes';
import { formatCount } from '@/lib/format';

export const metadata: Metadata = { title: 'Posts' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Every post the author may see, in any state, filtered by state and paged with the engine's cursors. */
export default async function AdminPostsPage({ searchParams }: Props) {
  const { session } = await requireSignedIn();
  const query = await searchParams;
  const status = parseStatusFilter(query.status);
  const after = typeof query.after === 'string' ? query.after : '';
  const outcome = await listAdminPosts(session, status, after);
  if (outcome.kind !== 'ok') throw new Error(`listing posts failed: ${outcome.kind}`);
  const { posts, nextPageToken, totalSize } = outcome.value;

  return (
    <section className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <h1 className="font-serif text-3xl font-semibold tracking-tight">Posts</h1>
        <Link
          href={adminRoutes.newPost()}
          className="rounded bg-accent px-5 py-2 font-medium text-canvas hover:opacity-90"
        >
          New post
        </Link>
      </div>

      <nav aria-label="Filter by status">
        <ul className="flex flex-wrap gap-2 text-sm">
          {POST_STATUS_FILTERS.map(({ filter, label }) => (
            <li key={filter}>
              <Link
                href={adminRoutes.posts({ status: filter })}
                aria-current={filter === status ? 'page' : undefined}
                className="rounded border border-rule px-3 py-1 hover:border-accent hover:text-accent aria-[current=page]:border-accent aria-[current=page]:text-accent"
              >
                {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>

      <p role="status" className="text-sm text-muted">
        {formatCount(totalSize, 'post')}
      </p>

      {posts.length > 0 && (
        <ul className="divide-y divide-rule border-y border-rule">
          {posts.map((post) => {
            const when = post.publishTime ?? post.updateTime;
            return (
              <li key={post.id} className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 py-3">
                <div className="min-w-0">
                  <Link href={adminRoutes.editPost(post.id)} className="font-medium hover:text-accent">
                    {post.title}
                  </Link>
                  <p className="text-sm text-muted">
                    /{post.slug}
                    {post.author && <> · {post.author.displayName}</>}
                    {when && (
                      <>
                        {' · '}
                        <FormattedDate iso={timestampDate(when).toISOString()} />
                      </>
                    )}
                  </p>
                </div>
                <StatusBadge status={post.status} />
              </li>
            );
          })}
        </ul>
      )}

      <nav aria-label="Pages" className="flex justify-between gap-4 text-sm">
        {after ? (
          <Link href={adminRoutes.posts({ status })} className="rounded border border-rule px-4 py-2 hover:border-accent hover:text-accent">
            ← First page
          </Link>
        ) : (
          <span />
        )}
        {nextPageToken && (
          <Link
            href={adminRoutes.posts({ status, after: nextPageToken })}
            className="rounded border border-rule px-4 py-2 hover:border-accent hover:text-accent"
          >
            Next page →
          </Link>
        )}
      </nav>
    </section>
  );
}
