'use client';

import { useEffect, useState } from 'react';
import { type PreviewResult, previewPost } from '@/app/admin/posts/actions';
import { formatReadingTime } from '@/lib/format';

/** How long the preview waits after the last keystroke before asking the engine. */
const PREVIEW_DEBOUNCE_MS = 400;

/** The engine's rendering of the unsaved Markdown, asked for once typing pauses. */
export function MarkdownPreview({ markdown }: { markdown: string }) {
  const [preview, setPreview] = useState<PreviewResult | undefined>();

  useEffect(() => {
    let current = true;
    const timer = setTimeout(async () => {
      const result = markdown.trim() ? await previewPost(markdown) : undefined;
      if (current) setPreview(result);
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [markdown]);

  return (
    <section aria-labelledby="preview-heading" className="min-w-0">
      <h2 id="preview-heading" className="text-sm font-medium">
        Preview
        {preview?.kind === 'ok' && (
          <span className="font-normal text-muted">
            {' '}
            · {preview.wordCount} words · {formatReadingTime(preview.readingTimeMinutes)}
          </span>
        )}
      </h2>
      <div className="mt-1 max-h-[32rem] overflow-auto rounded border border-rule p-4" data-testid="markdown-preview">
        {preview?.kind === 'ok' ? (
          // Sanitised by the engine, exactly as a save would store it.
          <div className="prose prose-quire max-w-none" dangerouslySetInnerHTML={{ __html: preview.html }} />
        ) : (
          <p className="text-sm text-muted">
            {preview?.kind === 'failed'
              ? 'The preview is not available right now.'
              : preview?.kind === 'signed-out'
                ? 'Sign in again to see the preview.'
                : 'The rendered post appears here as you write.'}
          </p>
        )}
      </div>
    </section>
  );
}
