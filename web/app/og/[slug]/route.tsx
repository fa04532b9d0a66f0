import { ImageResponse } from 'next/og';
import { notFound } from 'next/navigation';
import { getPost } from '@/lib/engine/posts';
import { paramsToPrerender } from '@/lib/engine/prerender';
import { formatDate } from '@/lib/format';
import { isSlug } from '@/lib/route-params';
import { OG_IMAGE_SIZE } from '@/lib/seo';
import { site } from '@/lib/site';

/**
 * The Open Graph image of a post without a cover image (lib/seo.ts links it):
 * its title, author and date on the site's colours. Cached like the pages.
 */

export async function generateStaticParams() {
  return paramsToPrerender('/og/[slug]', async () => [], ['slug']);
}

export async function GET(_request: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  if (!isSlug(slug)) notFound();
  const lookup = await getPost(slug);
  if (lookup.kind !== 'found') notFound();
  const { post } = lookup;
  const byline = [post.author?.displayName, post.publishTime && formatDate(post.publishTime)].filter(Boolean).join(' · ');

  return new ImageResponse(
    <div
      style={{
        width: '100%',
        height: '100%',
        display: 'flex',
        flexDirection: 'column',
        justifyContent: 'space-between',
        padding: '72px 80px',
        background: '#fffbf5',
        color: '#1c1917',
        borderTop: '16px solid #9a3412',
      }}
    >
      <div style={{ display: 'flex', fontSize: 32, color: '#9a3412', fontWeight: 700 }}>{site().name}</div>
      <div style={{ display: 'flex', fontSize: post.title.length > 60 ? 60 : 76, fontWeight: 700, lineHeight: 1.1 }}>
        {post.title}
      </div>
      <div style={{ display: 'flex', fontSize: 30, color: '#57534e' }}>{byline}</div>
    </div>,
    { ...OG_IMAGE_SIZE },
  );
}
