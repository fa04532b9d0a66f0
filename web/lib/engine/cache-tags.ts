import 'server-only';
import { type Change, ChangeKind } from '@quire/gen/quire/v1/change_pb';
import { PostStatus } from '@quire/gen/quire/v1/post_pb';

/**
 * Every cache tag the web app uses, in one place. Each `'use cache'` read in
 * lib/engine/ tags its entry with the tags of everything it shows, and a
 * page's cached HTML inherits the tags of the reads it made. Invalidation
 * (Server Actions, the change-feed subscriber) revalidates the tags that
 * `tagsForChange` derives from a `quire.v1.Change`, so one change drops
 * exactly the pages that show what it changed.
 */
export const tags = {
  /**
   * Which posts are published and in what order, and what a listing shows of
   * them: the home pages, site-wide feeds, the sitemap, and the previous/next
   * links of every post page.
   */
  posts: 'posts',
  /** One post (or page) by slug: its page, comments and OG image; also a slug's 404 or redirect. */
  post: (slug: string) => `post:${slug}`,
  /** One tag: its name and description, its pages and feeds, and every listing that names it. */
  tag: (slug: string) => `tag:${slug}`,
  /** One author: their profile and pages, and every page that names them or shows their box. */
  author: (slug: string) => `author:${slug}`,
} as const;

/** The tags of the authors and tags that a set of posts shows. */
export function tagsOfPosts(
  posts: readonly { author?: { slug: string } | undefined; tags: readonly { slug: string }[] }[],
): string[] {
  const found = new Set<string>();
  for (const post of posts) {
    if (post.author?.slug) found.add(tags.author(post.author.slug));
    for (const tag of post.tags) found.add(tags.tag(tag.slug));
  }
  return [...found];
}

/**
 * The tags to revalidate after `change`. A change to a post that readers
 * could not see before and cannot see now (a draft's edits) drops nothing.
 */
export function tagsForChange(change: Change): string[] {
  const found = new Set<string>();
  const add = (tag: string | undefined) => {
    if (tag) found.add(tag);
  };

  switch (change.kind) {
    case ChangeKind.TAG_UPDATED:
      add(change.tagSlug && tags.tag(change.tagSlug));
      break;
    case ChangeKind.AUTHOR_UPDATED:
      add(change.authorSlug && tags.author(change.authorSlug));
      add(change.previousAuthorSlug && tags.author(change.previousAuthorSlug));
      break;
    case ChangeKind.COMMENTS_CHANGED:
      add(change.slug && tags.post(change.slug));
      break;
    case ChangeKind.POST_CREATED:
    case ChangeKind.POST_UPDATED:
    case ChangeKind.POST_PUBLISHED:
    case ChangeKind.POST_SCHEDULED:
    case ChangeKind.POST_UNPUBLISHED:
    case ChangeKind.POST_DELETED:
      for (const tag of tagsOfPostChange({
        visible: change.wasPublished || change.status === PostStatus.PUBLISHED,
        slugs: [change.slug, change.previousSlug],
        tagSlugs: [...change.tagSlugs, ...change.removedTagSlugs],
        authorSlugs: [change.authorSlug, change.previousAuthorSlug],
      }))
        add(tag);
      break;
    case ChangeKind.UNSPECIFIED:
      break;
    default: {
      // A kind added to the contract after this was written: drop everything it might touch.
      const unknown: never = change.kind;
      void unknown;
      add(tags.posts);
      add(change.slug && tags.post(change.slug));
    }
  }
  return [...found];
}

/** What a post mutation's tags are computed from: the post as the engine returned it. */
export type PostTagFacts = {
  slug: string;
  status: PostStatus;
  tags: readonly { slug: string }[];
  author?: { slug: string } | undefined;
};

/**
 * The tags to update after a Server Action changed a post, from the post
 * before (undefined when created) and after (undefined when deleted): the
 * same rule as `tagsForChange`, applied to both versions, so that a renamed
 * slug, a removed tag or a changed author drops the pages that showed them.
 */
export function tagsForPostMutation(before: PostTagFacts | undefined, after: PostTagFacts | undefined): string[] {
  const versions = [before, after].filter((post): post is PostTagFacts => post !== undefined);
  return tagsOfPostChange({
    visible: versions.some((post) => post.status === PostStatus.PUBLISHED),
    slugs: versions.map((post) => post.slug),
    tagSlugs: versions.flatMap((post) => post.tags.map((tag) => tag.slug)),
    authorSlugs: versions.map((post) => post.author?.slug),
  });
}

/**
 * The one rule for a change to a post: nothing when readers could not see
 * it before and cannot now; otherwise its pages under every slug it had, the
 * listings (`posts`), and the pages of every tag and author it had.
 */
function tagsOfPostChange(change: {
  visible: boolean;
  slugs: readonly (string | undefined)[];
  tagSlugs: readonly string[];
  authorSlugs: readonly (string | undefined)[];
}): string[] {
  if (!change.visible) return [];
  const found = new Set<string>();
  for (const slug of change.slugs) if (slug) found.add(tags.post(slug));
  found.add(tags.posts);
  for (const slug of change.tagSlugs) if (slug) found.add(tags.tag(slug));
  for (const slug of change.authorSlugs) if (slug) found.add(tags.author(slug));
  return [...found];
}
