import type { Metadata } from 'next';
import Link from 'next/link';
import { draftMode } from 'next/headers';
import { notFound } from 'next/navigation';
import { openDraftPreview } from '@/app/admin/posts/actions';
import { secondaryButtonClass } from '@/components/admin/styles';
import { SubmitButton } from '@/components/admin/submit-button';
import { PostArticle } from '@/components/post-article';
import { requireSignedIn } from '@/lib/admin/auth';
import { getPostForEditing } from '@/lib/admin/posts';
import { adminRoutes } from '@/lib/admin/routes';
import { toDetail } from '@/lib/engine/posts';

export const metadata: Metadata = { title: 'Draft preview' };

type Props = { params: Promise<{ id: string }> };

/**
 * A post in any state, rendered with the reader's components, for a signed-in
 * author in draft mode. A dedicated route rather than the post's real URL:
 * the reader's page (app/[slug]/page.tsx) is fully static (`ensureStatic`)
 * and so may not read the session cookie that reading a draft needs, and
 * drafts have no public URL to begin with. Draft mode is turned on only by
 * `openDraftPreview`, which checks the session with the engine.
 */
export default async function DraftPreviewPage({ params }: Props) {
  const { session } = await requireSignedIn();
  const { id } = await params;

  if (!(await draftMode()).isEnabled) {
    return (
      <section className="space-y-4">
        <h1 className="font-serif text-3xl font-semibold tracking-tight">Draft preview</h1>
        <p className="text-muted">Draft previews open through draft mode, which is off in this browser.</p>
        <form action={openDraftPreview}>
          <input type="hidden" name="id" value={id} />
          <SubmitButton pendingLabel="Opening…">Open the draft preview</SubmitButton>
        </form>
      </section>
    );
  }

  const outcome = await getPostForEditing(session, id);
  if (outcome.kind === 'not-found' || outcome.kind === 'forbidden') notFound();
  if (outcome.kind !== 'ok') throw new Error(`reading the post failed: ${outcome.kind}`);

  return (
    <>
      <p role="status" className="mb-8 flex flex-wrap items-center justify-between gap-3 rounded border border-accent bg-surface px-4 py-3 text-sm">
        <span>Draft preview: readers cannot see this page.</span>
        <Link href={adminRoutes.editPost(id)} className={secondaryButtonClass}>
          Back to the editor
        </Link>
      </p>
      <PostArticle post={toDetail(outcome.value)} />
    </>
  );
}
