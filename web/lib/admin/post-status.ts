import { PostStatus } from '@quire/gen/quire/v1/post_pb';

/** The post list's status filter, as it appears in the URL (`/admin?status=draft`). */
export type PostStatusFilter = 'all' | 'draft' | 'scheduled' | 'published' | 'archived';

export const POST_STATUS_FILTERS: readonly { filter: PostStatusFilter; label: string }[] = [
  { filter: 'all', label: 'All' },
  { filter: 'draft', label: 'Drafts' },
  { filter: 'scheduled', label: 'Scheduled' },
  { filter: 'published', label: 'Published' },
  { filter: 'archived', label: 'Archived' },
];

const STATUSES: Record<Exclude<PostStatusFilter, 'all'>, PostStatus> = {
  draft: PostStatus.DRAFT,
  scheduled: PostStatus.SCHEDULED,
  published: PostStatus.PUBLISHED,
  archived: PostStatus.ARCHIVED,
};

/** The filter a `?status=` value names; anything else means all. */
export function parseStatusFilter(value: string | string[] | undefined): PostStatusFilter {
  return typeof value === 'string' && value in STATUSES ? (value as PostStatusFilter) : 'all';
}

/** ListPosts' `statuses` for a filter: every state for "all" (empty would mean published only). */
export function statusesOf(filter: PostStatusFilter): PostStatus[] {
  return filter === 'all' ? Object.values(STATUSES) : [STATUSES[filter]];
}

export function statusLabel(status: PostStatus): string {
  switch (status) {
    case PostStatus.DRAFT:
      return 'Draft';
    case PostStatus.SCHEDULED:
      return 'Scheduled';
    case PostStatus.PUBLISHED:
      return 'Published';
    case PostStatus.ARCHIVED:
      return 'Archived';
    case PostStatus.UNSPECIFIED:
      return 'Unknown';
  }
}
