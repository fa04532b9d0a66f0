import 'server-only';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { type Comment, CommentStatus } from '@quire/gen/quire/v1/comment_pb';
import type { DeleteCommentResponse, ModerateCommentResponse } from '@quire/gen/quire/v1/comment_service_pb';
import { PostView } from '@quire/gen/quire/v1/post_pb';
import { engine } from '@/lib/engine/clients';
import { type Outcome, outcomeOf } from '@/lib/engine/errors';
import { asSession } from '@/lib/engine/transport';
import type { Session } from '@/lib/session';

/** The moderation queue, as an editor's or admin's session sees it (comment_service.proto). */

const QUEUE_PAGE_SIZE = 50;

/** A pending comment with the post it is on. `body` is plain text: render it escaped. */
export type QueuedComment = Pick<Comment, 'id' | 'authorName' | 'authorEmail' | 'body'> & {
  createTime: string | undefined;
  post: { id: string; slug: string; title: string } | undefined;
};

export type ModerationQueue = { comments: QueuedComment[]; nextPageToken: string };

/** One page of pending comments, newest first, each with its post's slug and title. */
export async function listPendingComments(session: Session, pageToken: string): Promise<Outcome<ModerationQueue>> {
  const credentials = asSession(session.token);
  const outcome = await outcomeOf(
    engine().comments.listComments({ status: CommentStatus.PENDING, pageSize: QUEUE_PAGE_SIZE, pageToken }, credentials),
  );
  if (outcome.kind !== 'ok') return outcome;

  const postIds = [...new Set(outcome.value.comments.map((comment) => comment.postId))];
  const posts = new Map(
    await Promise.all(
      postIds.map(async (id) => {
        const found = await outcomeOf(
          engine().posts.getPost({ key: { case: 'id', value: id }, view: PostView.BASIC }, credentials),
        );
        const post = found.kind === 'ok' ? found.value.post : undefined;
        return [id, post && { id: post.id, slug: post.slug, title: post.title }] as const;
      }),
    ),
  );
  return {
    kind: 'ok',
    value: {
      comments: outcome.value.comments.map((comment) => ({
        id: comment.id,
        authorName: comment.authorName,
        authorEmail: comment.authorEmail,
        body: comment.body,
        createTime: comment.createTime ? timestampDate(comment.createTime).toISOString() : undefined,
        post: posts.get(comment.postId),
      })),
      nextPageToken: outcome.value.nextPageToken,
    },
  };
}

/** Approves a comment or marks it as spam, once per `requestId`; answers the cache tags the change invalidated. */
export async function moderateComment(
  session: Session,
  id: string,
  status: CommentStatus.APPROVED | CommentStatus.SPAM,
  requestId: string,
): Promise<Outcome<ModerateCommentResponse>> {
  return outcomeOf(engine().comments.moderateComment({ id, status, requestId }, asSession(session.token)));
}

/** Deletes a comment, once per `requestId`; answers the cache tags the delete invalidated. */
export async function deleteComment(session: Session, id: string, requestId: string): Promise<Outcome<DeleteCommentResponse>> {
  return outcomeOf(engine().comments.deleteComment({ id, requestId }, asSession(session.token)));
}
