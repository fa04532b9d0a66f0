import type { PublicComment } from '@/lib/engine/comments';
import { FormattedDate } from './formatted-date';

/** Approved comments, oldest first. Bodies are plain text, rendered escaped with their line breaks. */
export function CommentList({ comments }: { comments: PublicComment[] }) {
  if (comments.length === 0) {
    return <p className="text-muted">No comments yet.</p>;
  }
  return (
    <ol className="space-y-6">
      {comments.map((comment) => (
        <li key={comment.id}>
          <article aria-label={`Comment by ${comment.authorName}`} className="rounded-lg bg-surface p-4">
            <p className="text-sm">
              <span className="font-semibold">{comment.authorName}</span>
              {comment.createTime && (
                <span className="text-muted">
                  {' · '}
                  <FormattedDate iso={comment.createTime} />
                </span>
              )}
            </p>
            <p dir="auto" className="mt-2 whitespace-pre-line leading-relaxed">
            {comment.body}
          </p>
          </article>
        </li>
      ))}
    </ol>
  );
}
