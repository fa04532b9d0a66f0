import { PostKind } from '@quire/gen/quire/v1/post_pb';
import type { Metadata } from 'next';
import { notFound, permanentRedirect } from 'next/navigation';
import { CommentForm } from '@/components/comment-form';
import { CommentList } from '@/components/comment-list';
import { JsonLd } from '@/components/json-ld';
import { PostArticle } from '@/components/post-article';
import { PostNavigation } from '@/components/post-navigation';
import { submitComment } from './comment-actions';
import { listApprovedComments } from '@/lib/engine/comments';
import { adjacentPosts, getPost, listPostsPage, type PostDetail } from '@/lib/engine/posts';
import { paramsToPrerender } from '@/lib/engine/prerender';
import { formatCount } from '@/lib/format';
import { isSlug } from '@/lib/route-params';
import { routes } from '@/lib/routes';
import { blogPostingJsonLd, postMetadata } from '@/lib/seo';
import { site } from '@/lib/site';

/**
 * A post (or a standalone page) by slug. Fully static: rendered at build time
 * for the newest posts, otherwise on the first request, then served from the
 * cache until one of its tags is revalidated. The first request for a new
 * slug waits for the complete page rather than streaming a shell, so unknown
 * slugs answer a real 404 and earlier slugs a real 308.
 */
export const ensureStatic = 'navigation';

type Props = { params: Promise<{ slug: string }> };

export async function generateStaticParams() {
  return paramsToPrerender(
    '/[slug]',
    async () => (await listPostsPage({}, 1))?.posts.map((post) => ({ slug: post.slug })) ?? [],
    ['slug'],
  );
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug } = await params;
  if (!isSlug(slug)) return {};
  const lookup = await getPost(slug);
  return lookup.kind === 'found' ? postMetadata(lookup.post, site()) : {};
}

/** The post at `slug`; a 404 for anything else, a permanent redirect from an earlier slug. */
async function postAt(slug: string): Promise<PostDetail> {
  if (!isSlug(slug)) notFound();
  const lookup = await getPost(slug);
  switch (lookup.kind) {
    case 'missing':
      notFound();
    case 'moved':
      permanentRedirect(routes.post(lookup.slug));
    case 'found':
      return lookup.post;
  }
}

export default async function PostPage({ params }: Props) {
  const { slug } = await params;
  const post = await postAt(slug);
  if (post.kind === PostKind.PAGE) return <PostArticle post={post} />;

  const [comments, { older, newer }] = await Promise.all([
    listApprovedComments(post.id, post.slug),
    adjacentPosts(post.slug),
  ]);

  return (
    <>
      <PostArticle post={post} />

      <div className="mt-12">
        <PostNavigation older={older} newer={newer} />
      </div>

      <section aria-labelledby="comments-heading" className="mt-12 space-y-6 border-t border-rule pt-10">
        <h2 id="comments-heading" className="font-serif text-2xl font-semibold">
          {comments.length > 0 ? formatCount(comments.length, 'comment') : 'Comments'}
        </h2>
        <CommentList comments={comments} />
        <h3 className="pt-4 font-serif text-xl font-semibold">Leave a comment</h3>
        <CommentForm postId={post.id} action={submitComment} />
      </section>

      <JsonLd data={blogPostingJsonLd(post, site())} />
    </>
  );
}
