import { PostKind } from '@quire/gen/quire/v1/post_pb';
import type { PostDetail } from '@/lib/engine/posts';
import { AuthorBox } from './author-box';
import { PostMeta } from './post-meta';
import { TableOfContents } from './table-of-contents';
import { TagList } from './tag-list';

/**
 * A post's (or a standalone page's) own content, as readers see it: shared by
 * the reader's post page and the admin's draft preview, so that a preview
 * shows exactly what publishing will. `post.html` comes sanitised from the engine.
 */
export function PostArticle({ post }: { post: PostDetail }) {
  if (post.kind === PostKind.PAGE) {
    // A page such as "about": its content only, outside the blog's chronology.
    return (
      <article className="space-y-8">
        <h1 dir="auto" className="font-serif text-4xl font-semibold tracking-tight text-balance sm:text-5xl">{post.title}</h1>
        <div dir="auto" className="prose prose-quire max-w-none sm:prose-lg" dangerouslySetInnerHTML={{ __html: post.html }} />
      </article>
    );
  }
  return (
    <article className="space-y-8">
      <header className="space-y-4">
        <TagList tags={post.tags} />
        <h1 dir="auto" className="font-serif text-4xl font-semibold tracking-tight text-balance sm:text-5xl">{post.title}</h1>
        <PostMeta author={post.author} publishTime={post.publishTime} readingTimeMinutes={post.readingTimeMinutes} />
      </header>
      {post.coverImageHtml ? (
        // A library image: the engine's <picture> of its sizes (fetched first, its own width and height).
        <div
          className="[&_img]:aspect-video [&_img]:w-full [&_img]:rounded-lg [&_img]:bg-surface [&_img]:object-cover"
          dangerouslySetInnerHTML={{ __html: post.coverImageHtml }}
        />
      ) : (
        post.coverImageUrl && (
        // The likely LCP element: fetched early, drawn in a fixed 16:9 box so nothing shifts.
        <img
          src={post.coverImageUrl}
          alt={post.coverImageAlt}
          width={1600}
          height={900}
          fetchPriority="high"
          decoding="async"
          className="aspect-video w-full rounded-lg bg-surface object-cover"
        />
        )
      )}
      <TableOfContents entries={post.toc} />
      <div dir="auto" className="prose prose-quire max-w-none sm:prose-lg" dangerouslySetInnerHTML={{ __html: post.html }} />
      {post.author && <AuthorBox author={post.author} />}
    </article>
  );
}
