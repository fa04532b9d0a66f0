import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Quire', template: '%s · Quire' },
  description: 'Writing, published with Quire.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="flex min-h-dvh flex-col">
        <a
          href="#content"
          className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:rounded focus:bg-canvas focus:px-3 focus:py-2"
        >
          Skip to content
        </a>
        <header className="border-b border-rule">
          <div className="mx-auto flex max-w-3xl items-center justify-between px-4 py-4">
            <Link href="/" className="font-serif text-xl font-semibold tracking-tight">
              Quire
            </Link>
          </div>
        </header>
        <main id="content" className="mx-auto w-full max-w-3xl flex-1 px-4 py-10">
          {children}
        </main>
        <footer className="border-t border-rule">
          <div className="mx-auto max-w-3xl px-4 py-6 text-sm text-muted">Published with Quire.</div>
        </footer>
      </body>
    </html>
  );
}
