import type { Metadata } from 'next';
import { PostEditor } from '@/components/admin/post-editor';
import { requireSignedIn } from '@/lib/admin/auth';
import { EMPTY_POST_VALUES } from '@/lib/admin/post-form';
import { newRequestId } from '@/lib/request-id';

export const metadata: Metadata = { title: 'New post' };

export default async function NewPostPage() {
  const { permissions } = await requireSignedIn();
  return (
    <section className="space-y-6">
      <h1 className="font-serif text-3xl font-semibold tracking-tight">New post</h1>
      <PostEditor
        initial={EMPTY_POST_VALUES}
        requestId={newRequestId()}
        lifecycle={{ status: 'new', canPublish: permissions.publishOwn }}
      />
    </section>
  );
}
