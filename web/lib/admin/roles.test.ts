import { AuthorRole } from '@quire/gen/quire/v1/author_pb';
import { describe, expect, it } from 'vitest';
import { mayPublish, permissionsOf } from './roles';

describe('permissionsOf', () => {
  it('lets contributors write drafts only', () => {
    expect(permissionsOf(AuthorRole.CONTRIBUTOR)).toEqual({ publishOwn: false, editAny: false, moderate: false });
  });

  it('lets authors publish their own posts', () => {
    const author = permissionsOf(AuthorRole.AUTHOR);
    expect(author).toEqual({ publishOwn: true, editAny: false, moderate: false });
    expect(mayPublish(author, 'me', 'me')).toBe(true);
    expect(mayPublish(author, 'me', 'someone-else')).toBe(false);
  });

  it('lets editors and admins publish anything and moderate', () => {
    for (const role of [AuthorRole.EDITOR, AuthorRole.ADMIN]) {
      const permissions = permissionsOf(role);
      expect(permissions).toEqual({ publishOwn: true, editAny: true, moderate: true });
      expect(mayPublish(permissions, 'me', 'someone-else')).toBe(true);
    }
  });

  it('treats an unspecified role as author', () => {
    expect(permissionsOf(AuthorRole.UNSPECIFIED)).toEqual(permissionsOf(AuthorRole.AUTHOR));
  });
});
