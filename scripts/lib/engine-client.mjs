// Typed engine clients for the project scripts and tests: Connect's Node
// client on the generated service descriptors (gen/ts ships TypeScript,
// which tsx loads; Node 20 cannot run .ts files by itself).
import { register } from 'tsx/esm/api';

register();

const [{ createClient }, { createGrpcTransport }, posts, tags, authors, comments, media, health] = await Promise.all([
  import('@connectrpc/connect'),
  import('@connectrpc/connect-node'),
  import('@quire/gen/quire/v1/post_service_pb'),
  import('@quire/gen/quire/v1/tag_service_pb'),
  import('@quire/gen/quire/v1/author_service_pb'),
  import('@quire/gen/quire/v1/comment_service_pb'),
  import('@quire/gen/quire/v1/media_service_pb'),
  import('@quire/gen/grpc/health/v1/health_pb'),
]);

export const { PostKind, PostView, PostStatus } = await import('@quire/gen/quire/v1/post_pb');
export const { AuthorRole } = await import('@quire/gen/quire/v1/author_pb');
export const { CommentStatus } = await import('@quire/gen/quire/v1/comment_pb');
export const { MediaState } = await import('@quire/gen/quire/v1/media_pb');
export const { HealthCheckResponse_ServingStatus: ServingStatus } = health;

/**
 * Clients for every content service, the media library and health, authenticated with
 * `credential` (an API key or a session token).
 * @param {string} engineUrl
 * @param {string} credential
 */
export function engineClients(engineUrl, credential) {
  const transport = createGrpcTransport({
    baseUrl: engineUrl,
    defaultTimeoutMs: 10_000,
    interceptors: [
      (next) => (request) => {
        request.header.set('authorization', `Bearer ${credential}`);
        return next(request);
      },
    ],
  });
  return {
    posts: createClient(posts.PostService, transport),
    tags: createClient(tags.TagService, transport),
    authors: createClient(authors.AuthorService, transport),
    comments: createClient(comments.CommentService, transport),
    media: createClient(media.MediaService, transport),
    health: createClient(health.Health, transport),
  };
}

/**
 * Whether the engine at `engineUrl` answers SERVING to grpc.health.v1 (it is
 * ready: database reachable, search index caught up), for waiting on a start.
 * @param {string} engineUrl
 */
export async function engineServing(engineUrl) {
  const { health } = engineClients(engineUrl, '');
  const answer = await health.check({ service: '' }, { timeoutMs: 1_000 }).catch(() => null);
  return answer?.status === ServingStatus.SERVING;
}
