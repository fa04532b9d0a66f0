import type { Metadata } from 'next';
import Link from 'next/link';
import { ModerationButtons } from '@/components/admin/moderation-buttons';
import { FormattedDate } from '@/components/formatted-date';
import { requireSignedIn } from '@/lib/admin/auth';
import { listPendingComments } from '@/lib/admin/comments';
import { adminRoutes } from '@/lib/admin/routes';
import { formatCount } from '@/lib/format';
import { newRequestId } from '@/lib/request-id';
import { routes } from '@/lib/routes';

export const metadata: Metadata = { title: 'Comments' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** The moderation queue: pending comments, newest first, for editors and admins. */
export default async function ModerationPage({ searchParams }: Props) {
  const { session, permissions } = await requireSignedIn();
  if (!permissions.moderate) {
    return (
      <section className="space-y-4">
        <h1 className="font-serif text-3xl font-semibold tracking-tight">Comments</h1>
        <p className="text-muted">Only editors and admins moderate comments.</p>
      </section>
    );
  }
  const after = (await searchParams).after;
  const outcome = await listPendingComments(session, typeof after === 'string' ? after : '');
  if (outcome.kind !== 'ok') throw new Error(`listing pending comments failed: ${outcome.kind}`);
  const { comments, nextPageToken } = outcome.value;

  return (
    <section className="space-y-6">
      <h1 className="font-serif text-3xl font-semibold tracking-tight">Comments awaiting moderation</h1>
      <p role="status" className="text-sm text-muted">
        {comments.length === 0 ? 'Nothing to moderate.' : `${formatCount(comments.length, 'comment')} on this page`}
      </p>
      <ol className="space-y-6">
        {comments.map((comment) => (
          <li key={comment.id}>
            <article aria-label={`Comment by ${comment.authorName}`} className="space-y-3 rounded border border-rule p-4">
              <header className="text-sm text-muted">
                <span className="font-medium text-ink">{comment.authorName}</span>
                {comment.authorEmail && <> · {comment.authorEmail}</>}
                {comment.createTime && (
                  <>
                    {' · '}
                    <FormattedDate iso={comment.createTime} />
                  </>
                )}
                {comment.post && (
                  <>
                    {' · on '}
                    <Link href={routes.post(comment.post.slug)} className="text-accent hover:underline">
                      {comment.post.title}
                    </Link>
                  </>
                )}
              </header>
              {/* Plain text, escaped by React. */}
              <p className="whitespace-pre-line">{comment.body}</p>
              <ModerationButtons id={comment.id} authorName={comment.authorName} requestId={newRequestId()} />
            </article>
          </li>
        ))}
      </ol>
      {nextPageToken && (
        <Link href={`${adminRoutes.comments()}?after=${encodeURIComponent(nextPageToken)}`} className="text-sm text-accent hover:underline">
          More →
        </Link>
      )}
    </section>
  );
}
