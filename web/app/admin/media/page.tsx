import type { Metadata } from 'next';
import Link from 'next/link';
import { MediaCard } from '@/components/admin/media-card';
import { MediaUploader } from '@/components/admin/media-uploader';
import { requireSignedIn } from '@/lib/admin/auth';
import { listLibrary } from '@/lib/admin/media';
import { adminRoutes } from '@/lib/admin/routes';
import { formatCount } from '@/lib/format';

export const metadata: Metadata = { title: 'Media' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** The media library: upload, describe (alt text, caption) and delete images, newest first. */
export default async function MediaPage({ searchParams }: Props) {
  const { session } = await requireSignedIn();
  const after = (await searchParams).after;
  const outcome = await listLibrary(session, typeof after === 'string' ? after : '');
  if (outcome.kind !== 'ok') throw new Error(`listing the media library failed: ${outcome.kind}`);
  const { items, nextPageToken } = outcome.value;

  return (
    <section className="space-y-6">
      <h1 className="font-serif text-3xl font-semibold tracking-tight">Media</h1>
      <MediaUploader />
      <p role="status" className="text-sm text-muted">
        {items.length === 0 ? 'The library is empty.' : `${formatCount(items.length, 'image')} on this page`}
      </p>
      <ul className="grid gap-6 sm:grid-cols-2 lg:grid-cols-3">
        {items.map((item) => (
          <li key={item.id}>
            <MediaCard item={item} />
          </li>
        ))}
      </ul>
      {nextPageToken && (
        <Link href={`${adminRoutes.media()}?after=${encodeURIComponent(nextPageToken)}`} className="text-sm text-accent hover:underline">
          More →
        </Link>
      )}
    </section>
  );
}
