import { PostStatus } from '@quire/gen/quire/v1/post_pb';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { openDraftPreview } from '@/app/admin/posts/actions';
import { DeletePostButton } from '@/components/admin/delete-post-button';
import { PostEditor } from '@/components/admin/post-editor';
import type { EditorLifecycle } from '@/components/admin/post-lifecycle';
import { StatusBadge } from '@/components/admin/status-badge';
import { secondaryButtonClass } from '@/components/admin/styles';
import { SubmitButton } from '@/components/admin/submit-button';
import { requireSignedIn } from '@/lib/admin/auth';
import { valuesOfPost } from '@/lib/admin/post-form';
import { getPostForEditing } from '@/lib/admin/posts';
import { mayPublish } from '@/lib/admin/roles';
import { newRequestId } from '@/lib/request-id';
import { routes } from '@/lib/routes';

export const metadata: Metadata = { title: 'Edit post' };

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

const NOTICES: Record<string, string> = {
  saved: 'Saved.',
  publish: 'Published.',
  schedule: 'Scheduled.',
  unpublish: 'Unpublished: the post is a draft again.',
  archive: 'Archived.',
};

const LIFECYCLE_STATUS: Record<PostStatus, EditorLifecycle['status']> = {
  [PostStatus.UNSPECIFIED]: 'draft',
  [PostStatus.DRAFT]: 'draft',
  [PostStatus.SCHEDULED]: 'scheduled',
  [PostStatus.PUBLISHED]: 'published',
  [PostStatus.ARCHIVED]: 'archived',
};

export default async function EditPostPage({ params, searchParams }: Props) {
  const { session, author, permissions } = await requireSignedIn();
  const { id } = await params;
  const notice = (await searchParams).notice;
  const outcome = await getPostForEditing(session, id);
  if (outcome.kind === 'not-found' || outcome.kind === 'forbidden') notFound();
  if (outcome.kind !== 'ok') throw new Error(`reading the post failed: ${outcome.kind}`);
  const post = outcome.value;

  return (
    <section className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div className="flex items-center gap-3">
          <h1 className="font-serif text-3xl font-semibold tracking-tight">Edit post</h1>
          <StatusBadge status={post.status} />
        </div>
        <div className="flex flex-wrap items-center gap-3 text-sm">
          {post.status === PostStatus.PUBLISHED && (
            <Link href={routes.post(post.slug)} className={secondaryButtonClass}>
              View live
            </Link>
          )}
          <form action={openDraftPreview}>
            <input type="hidden" name="id" value={post.id} />
            <SubmitButton pendingLabel="Opening…" className={secondaryButtonClass}>
              Preview as readers will see it
            </SubmitButton>
          </form>
          <DeletePostButton id={post.id} etag={post.etag} title={post.title} requestId={newRequestId()} />
        </div>
      </div>
      {typeof notice === 'string' && NOTICES[notice] && (
        <p role="status" className="rounded border border-rule bg-surface px-4 py-3 text-sm">
          {NOTICES[notice]}
        </p>
      )}
      {/* Keyed by version: a save answers with a redirect here, and the editor starts over from the saved post. */}
      <PostEditor
        key={post.etag}
        initial={valuesOfPost(post)}
        requestId={newRequestId()}
        lifecycle={{ status: LIFECYCLE_STATUS[post.status], canPublish: mayPublish(permissions, author.id, post.authorId) }}
      />
    </section>
  );
}
