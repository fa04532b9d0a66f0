import 'server-only';
import type { DescMethod } from '@bufbuild/protobuf';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { AuthorService } from '@quire/gen/quire/v1/author_service_pb';
import { CommentService } from '@quire/gen/quire/v1/comment_service_pb';
import { PostService } from '@quire/gen/quire/v1/post_service_pb';
import { TagService } from '@quire/gen/quire/v1/tag_service_pb';

/**
 * Retries of engine reads that failed for a reason a second try can fix: the
 * engine was restarting or briefly unreachable (UNAVAILABLE), or it gave up
 * on a slow dependency (DEADLINE_EXCEEDED reported by the server). Writes are
 * never retried here: a repeated create or comment must be the caller's
 * decision, with its idempotency key.
 *
 * Every attempt shares the call's one deadline, so retries never make a call
 * slower than its timeout; a call whose own deadline passed is not retried.
 */

/** Unary RPCs without side effects, listed from the generated descriptors. */
const IDEMPOTENT_READS: ReadonlySet<DescMethod> = new Set([
  PostService.method.getPost,
  PostService.method.listPosts,
  PostService.method.searchPosts,
  PostService.method.listPostRevisions,
  PostService.method.previewPost,
  TagService.method.getTag,
  TagService.method.listTags,
  AuthorService.method.getAuthor,
  AuthorService.method.listAuthors,
  CommentService.method.listComments,
]);

const RETRYABLE_CODES: ReadonlySet<Code> = new Set([Code.Unavailable, Code.DeadlineExceeded]);

export type RetryPolicy = {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Upper bound of the first backoff; each later one is four times longer. Full jitter. */
  baseDelayMs: number;
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 3, baseDelayMs: 50 };

export function isIdempotentRead(method: DescMethod): boolean {
  return IDEMPOTENT_READS.has(method);
}

export function retryIdempotentReads(
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): Interceptor {
  return (next) => async (request) => {
    if (request.stream || !isIdempotentRead(request.method)) return next(request);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await next(request);
      } catch (error) {
        const code = ConnectError.from(error).code;
        const retryable = RETRYABLE_CODES.has(code) && !request.signal.aborted;
        if (!retryable || attempt >= policy.attempts) throw error;
        const ceiling = policy.baseDelayMs * 4 ** (attempt - 1);
        await delay(Math.floor(random() * ceiling), request.signal);
      }
    }
  };
}

/** Waits `ms`, or less when the call is cancelled or times out meanwhile. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
