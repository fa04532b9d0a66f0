import 'server-only';
import { type Client, createClient } from '@connectrpc/connect';
import { AuthorService } from '@quire/gen/quire/v1/author_service_pb';
import { ChangeService } from '@quire/gen/quire/v1/change_service_pb';
import { CommentService } from '@quire/gen/quire/v1/comment_service_pb';
import { MediaService } from '@quire/gen/quire/v1/media_service_pb';
import { PostService } from '@quire/gen/quire/v1/post_service_pb';
import { TagService } from '@quire/gen/quire/v1/tag_service_pb';
import { Health } from '@quire/gen/grpc/health/v1/health_pb';
import { engineTransport } from './transport';

/**
 * One client per engine service, all on the shared transport. Only the
 * resource modules in lib/engine/ (posts.ts, ...) call these.
 *
 * Every call gets the transport's default deadline. A long-lived stream such
 * as `changes.watchChanges` must opt out with `{ timeoutMs: 0 }`.
 */
export type EngineClients = {
  posts: Client<typeof PostService>;
  tags: Client<typeof TagService>;
  authors: Client<typeof AuthorService>;
  comments: Client<typeof CommentService>;
  changes: Client<typeof ChangeService>;
  media: Client<typeof MediaService>;
  /** gRPC's health checking protocol (grpc.health.v1), for the web's own health (health.ts). */
  health: Client<typeof Health>;
};

let clients: EngineClients | undefined;

export function engine(): EngineClients {
  if (clients) return clients;
  const transport = engineTransport();
  clients = {
    posts: createClient(PostService, transport),
    tags: createClient(TagService, transport),
    authors: createClient(AuthorService, transport),
    comments: createClient(CommentService, transport),
    changes: createClient(ChangeService, transport),
    media: createClient(MediaService, transport),
    health: createClient(Health, transport),
  };
  return clients;
}
