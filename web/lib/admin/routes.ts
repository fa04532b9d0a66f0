import type { PostStatusFilter } from './post-status';

/** Every URL of the admin area, built in one place (the reader's are in lib/routes.ts). */
export const adminRoutes = {
  posts: (filter?: { status?: PostStatusFilter; after?: string }) => {
    const params = new URLSearchParams();
    if (filter?.status && filter.status !== 'all') params.set('status', filter.status);
    if (filter?.after) params.set('after', filter.after);
    const search = params.toString();
    return search ? `/admin?${search}` : '/admin';
  },
  newPost: () => '/admin/posts/new',
  editPost: (id: string, notice?: string) => `/admin/posts/${encodeURIComponent(id)}${notice ? `?notice=${notice}` : ''}`,
  preview: (id: string) => `/admin/preview/${encodeURIComponent(id)}`,
  comments: () => '/admin/comments',
  media: () => '/admin/media',
  login: () => '/admin/login',
} as const;
