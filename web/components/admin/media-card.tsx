'use client';

import { useActionState } from 'react';
import { changeMediaItem, type MediaItemState } from '@/app/admin/media/actions';
import type { LibraryItem } from '@/lib/admin/media';
import { imageMarkdown } from '@/lib/admin/upload-client';
import { Field } from './field';
import { dangerButtonClass, secondaryButtonClass } from './styles';
import { SubmitButton } from './submit-button';

/** One image of the library: its thumbnail, its Markdown, and the form that describes or deletes it. */
export function MediaCard({ item }: { item: LibraryItem }) {
  const [state, formAction] = useActionState<MediaItemState, FormData>(changeMediaItem, { status: 'idle' });
  const errors = state.status === 'invalid' ? state.fieldErrors : {};
  const prefix = `media-${item.id}`;
  return (
    <article aria-label={item.filename} className="space-y-3 rounded border border-rule p-3">
      <img
        src={item.thumbnail}
        alt={item.altText}
        width={item.width}
        height={item.height}
        loading="lazy"
        decoding="async"
        className="aspect-[4/3] w-full rounded bg-surface object-contain"
      />
      <p className="text-xs text-muted">
        <span className="font-medium text-ink">{item.filename}</span> · {item.width}×{item.height} ·{' '}
        {item.failed ? 'sizes could not be made' : item.ready ? 'all sizes ready' : 'making sizes…'}
      </p>
      <code className="block truncate text-xs" title={imageMarkdown(item.altText, item.path)}>
        {imageMarkdown(item.altText, item.path)}
      </code>
      <form action={formAction} className="space-y-3" aria-label={`Describe ${item.filename}`}>
        <input type="hidden" name="id" value={item.id} />
        <input type="hidden" name="etag" value={item.etag} />
        <Field
          id={`${prefix}-alt`}
          label="Alternative text"
          hint={item.altText ? undefined : 'Needed before a post with this image can be published.'}
          error={errors.altText}
          render={(control) => <input {...control} name="altText" defaultValue={item.altText} />}
        />
        <Field
          id={`${prefix}-caption`}
          label="Caption"
          error={errors.caption}
          render={(control) => <input {...control} name="caption" defaultValue={item.caption} />}
        />
        <div className="flex flex-wrap items-center gap-3">
          <SubmitButton name="intent" value="save" pendingLabel="Saving…" className={secondaryButtonClass}>
            Save
          </SubmitButton>
          <SubmitButton name="intent" value="delete" pendingLabel="Working…" className={dangerButtonClass}>
            Delete
          </SubmitButton>
        </div>
        {state.status === 'saved' && (
          <p role="status" className="text-sm text-muted">
            Saved.
          </p>
        )}
        {state.status === 'failed' && (
          <p role="alert" className="text-sm text-accent">
            {state.message}
          </p>
        )}
      </form>
    </article>
  );
}
