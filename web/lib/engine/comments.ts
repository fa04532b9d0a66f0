import 'server-only';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { type Comment, CommentStatus } from '@quire/gen/quire/v1/comment_pb';
import { cacheLife, cacheTag } from 'next/cache';
import { tags } from './cache-tags';
import { engine } from './clients';
import { type Outcome, outcomeOf } from './errors';

/** Readers' comments as a post's page shows them; cached like posts.ts. */

/** ListComments' largest page. */
const COMMENTS_PAGE_SIZE = 200;
/** A post shows at most this many comments (oldest first). */
const COMMENTS_MAX_PAGES = 5;

/** An approved comment without the commenter's email. `body` is plain text: render it escaped. */
export type PublicComment = Pick<Comment, 'id' | 'authorName' | 'body'> & { createTime: string | undefined };

/**
 * The approved comments of the post with `postId`, oldest first. Tagged by
 * the post's slug: a comment change lists the `slug:` tag of its post.
 */
export async function listApprovedComments(postId: string, postSlug: string): Promise<PublicComment[]> {
  'use cache';
  cacheLife('hours');
  cacheTag(tags.slug(postSlug));

  const found: PublicComment[] = [];
  let pageToken = '';
  for (let page = 0; page < COMMENTS_MAX_PAGES; page += 1) {
    const response = await engine().comments.listComments({
      postId,
      status: CommentStatus.APPROVED,
      pageSize: COMMENTS_PAGE_SIZE,
      pageToken,
    });
    found.push(...response.comments.map(toPublic));
    pageToken = response.nextPageToken;
    if (!pageToken) break;
  }
  return found;
}

function toPublic(comment: Comment): PublicComment {
  return {
    id: comment.id,
    authorName: comment.authorName,
    body: comment.body,
    createTime: comment.createTime ? timestampDate(comment.createTime).toISOString() : undefined,
  };
}

/** A reader's new comment, as CreateComment takes it. */
export type NewComment = { postId: string; authorName: string; authorEmail: string; body: string };

/**
 * Sends a reader's comment (never cached). `requestId` makes a retried
 * submission idempotent; `clientKey` is what the engine rate-limits by.
 * Answers whether the comment is shown at once or after moderation.
 */
export async function createComment(
  comment: NewComment,
  requestId: string,
  clientKey: string,
): Promise<Outcome<{ id: string; visibility: 'pending' | 'approved' }>> {
  const outcome = await outcomeOf(engine().comments.createComment({ comment, requestId, clientKey }));
  if (outcome.kind !== 'ok') return outcome;
  const created = outcome.value.comment;
  return {
    kind: 'ok',
    value: {
      id: created?.id ?? requestId,
      visibility: created?.status === CommentStatus.APPROVED ? 'approved' : 'pending',
    },
  };
}
