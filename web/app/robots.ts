import type { MetadataRoute } from 'next';
import { connection } from 'next/server';
import { routes } from '@/lib/routes';
import { absoluteUrl } from '@/lib/site';

/**
 * robots.txt, rendered per request (it costs nothing) so that the sitemap's
 * URL follows QUIRE_SITE_URL at run time rather than at build time.
 */
export default async function robots(): Promise<MetadataRoute.Robots> {
  await connection();
  return {
    rules: [{ userAgent: '*', allow: '/', disallow: ['/search'] }],
    sitemap: absoluteUrl(routes.sitemap),
  };
}
