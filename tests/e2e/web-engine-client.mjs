// The typed engine clients the web tests use (shared with the project scripts).
export { AuthorRole, CommentStatus, engineClients, MediaState, PostKind, PostStatus, PostView, ServingStatus } from '../../scripts/lib/engine-client.mjs';
