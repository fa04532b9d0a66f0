import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { routes } from '@/lib/routes';
import { feedAlternates } from '@/lib/seo';
import { site } from '@/lib/site';
import './globals.css';

export function generateMetadata(): Metadata {
  const { name, description, url } = site();
  return {
    metadataBase: new URL(url),
    title: { default: name, template: `%s · ${name}` },
    description,
    applicationName: name,
    alternates: { types: feedAlternates(site()) },
  };
}

export const viewport: Viewport = {
  colorScheme: 'light dark',
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#ffffff' },
    { media: '(prefers-color-scheme: dark)', color: '#0c0a09' },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  const { name } = site();
  return (
    <html lang="en">
      <body className="flex min-h-dvh flex-col">
        <a
          href="#content"
          className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-10 focus:rounded focus:bg-canvas focus:px-3 focus:py-2"
        >
          Skip to content
        </a>
        <header className="border-b border-rule">
          <div className="mx-auto flex max-w-3xl flex-wrap items-center justify-between gap-x-6 gap-y-2 px-4 py-4">
            <Link href={routes.home()} className="font-serif text-xl font-semibold tracking-tight hover:text-accent">
              {name}
            </Link>
            <nav aria-label="Site">
              <ul className="flex items-center gap-5 text-sm font-medium">
                <li>
                  <Link href={routes.home()} className="hover:text-accent">
                    Posts
                  </Link>
                </li>
                <li>
                  <Link href={routes.search()} className="hover:text-accent">
                    Search
                  </Link>
                </li>
                <li>
                  <a href={routes.feed('rss')} className="hover:text-accent">
                    RSS
                  </a>
                </li>
              </ul>
            </nav>
          </div>
        </header>
        <main id="content" className="mx-auto w-full max-w-3xl flex-1 px-4 py-10">
          {children}
        </main>
        <footer className="border-t border-rule">
          <div className="mx-auto flex max-w-3xl flex-wrap justify-between gap-4 px-4 py-6 text-sm text-muted">
            <p>
              {name} · Published with Quire
            </p>
            <p className="flex gap-4">
              <a href={routes.feed('rss')} className="hover:text-accent">
                RSS
              </a>
              <a href={routes.feed('atom')} className="hover:text-accent">
                Atom
              </a>
              <a href={routes.feed('json')} className="hover:text-accent">
                JSON Feed
              </a>
            </p>
          </div>
        </footer>
      </body>
    </html>
  );
}
