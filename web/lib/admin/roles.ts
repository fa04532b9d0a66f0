import { AuthorRole } from '@quire/gen/quire/v1/author_pb';

/**
 * What the admin UI offers an author of a role. The engine enforces roles on
 * every call (author.proto); this only hides what would be refused.
 */
export type Permissions = {
  /** Publish, schedule and unpublish their own posts. */
  publishOwn: boolean;
  /** Edit and publish other authors' posts. */
  editAny: boolean;
  /** The comment moderation queue. */
  moderate: boolean;
};

export function permissionsOf(role: AuthorRole): Permissions {
  // Unspecified is stored as author (author.proto).
  const effective = role === AuthorRole.UNSPECIFIED ? AuthorRole.AUTHOR : role;
  return {
    publishOwn: effective >= AuthorRole.AUTHOR,
    editAny: effective >= AuthorRole.EDITOR,
    moderate: effective >= AuthorRole.EDITOR,
  };
}

/** May this author publish a post written by `postAuthorId`? */
export function mayPublish(permissions: Permissions, authorId: string, postAuthorId: string): boolean {
  return permissions.editAny || (permissions.publishOwn && authorId === postAuthorId);
}

export function roleName(role: AuthorRole): string {
  switch (role) {
    case AuthorRole.CONTRIBUTOR:
      return 'Contributor';
    case AuthorRole.EDITOR:
      return 'Editor';
    case AuthorRole.ADMIN:
      return 'Admin';
    case AuthorRole.AUTHOR:
    case AuthorRole.UNSPECIFIED:
      return 'Author';
  }
}
