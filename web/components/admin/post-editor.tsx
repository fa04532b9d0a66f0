'use client';

import { type FormEvent, useActionState, useEffect, useState, useTransition } from 'react';
import { type PreviewResult, previewPost, savePost } from '@/app/admin/posts/actions';
import type { PostField, PostFormState, PostFormValues, PostIntent } from '@/lib/admin/post-form';
import { suggestSlug } from '@/lib/admin/slug';
import { formatReadingTime } from '@/lib/format';
import { Field } from './field';
import { alertClass, primaryButtonClass, secondaryButtonClass } from './styles';

/** How long the preview waits after the last keystroke before asking the engine. */
const PREVIEW_DEBOUNCE_MS = 400;

/** Which lifecycle buttons the editor shows; the engine decides what is allowed. */
export type EditorLifecycle = {
  /** The post's state, or 'new' before it is created. */
  status: 'new' | 'draft' | 'scheduled' | 'published' | 'archived';
  /** False for contributors (and for authors on others' posts): no publish, schedule or unpublish. */
  canPublish: boolean;
};

/**
 * The post editor: title, slug (suggested from the title until edited by
 * hand), Markdown with the engine's live preview, tags, cover image and SEO
 * fields. Every submit goes to the `savePost` Server Action with the etag the
 * post was opened at; its answer re-fills the form, so nothing typed is lost.
 */
export function PostEditor({
  initial,
  requestId,
  lifecycle,
}: {
  initial: PostFormValues;
  /** Idempotency key of the create (a UUID per opened editor). */
  requestId: string;
  lifecycle: EditorLifecycle;
}) {
  const [state, dispatch, pending] = useActionState(savePost, { status: 'editing', values: initial });
  // The buttons wait for hydration: before it, a submit would be the browser's
  // own (a GET with every field in the URL) instead of the Server Action.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const busy = pending || !hydrated;
  const [, startTransition] = useTransition();
  const [values, setValues] = useState(initial);
  const [slugEdited, setSlugEdited] = useState(initial.slug !== '' && initial.slug !== suggestSlug(initial.title));
  // The author's own text, put aside when they load someone else's newer version.
  const [setAside, setSetAside] = useState<PostFormValues | undefined>();
  const [conflictSettled, setConflictSettled] = useState(false);

  // Each answer of the action re-fills the form with the values it carries.
  const [answered, setAnswered] = useState(state);
  if (state !== answered) {
    setAnswered(state);
    setValues(state.values);
    setConflictSettled(false);
  }

  const set = (field: PostField) => (event: { target: { value: string } }) =>
    setValues((current) => ({ ...current, [field]: event.target.value }));

  const onTitle = (event: { target: { value: string } }) => {
    const title = event.target.value;
    setValues((current) => ({ ...current, title, slug: slugEdited ? current.slug : suggestSlug(title) }));
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    // Submitted by hand rather than through `action`, so that React does not
    // reset the form after the action: the fields are this component's state.
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const formData = new FormData(event.currentTarget, submitter);
    startTransition(() => dispatch(formData));
  };

  const fieldErrors = state.status === 'invalid' && !pending ? state.fieldErrors : {};
  const errorOf = (field: PostField) => fieldErrors[field];

  return (
    <form onSubmit={onSubmit} className="space-y-6" aria-busy={pending}>
      <input type="hidden" name="id" value={values.id} />
      <input type="hidden" name="etag" value={values.etag} />
      <input type="hidden" name="requestId" value={requestId} />

      {!conflictSettled && state.status === 'stale' && !pending && (
        <div role="alert" className={`${alertClass} space-y-3`}>
          <p>
            <strong>Someone else changed this post</strong> since you opened it, so your changes were not saved. Your
            text is still here.
          </p>
          <div className="flex flex-wrap gap-3">
            <button
              type="button"
              className={secondaryButtonClass}
              disabled={!state.latest}
              onClick={() => {
                if (!state.latest) return;
                setSetAside(values);
                setValues(state.latest);
                setSlugEdited(true);
                setConflictSettled(true);
              }}
            >
              Load the latest version
            </button>
            <button
              type="button"
              className={secondaryButtonClass}
              disabled={!state.latest}
              onClick={() => {
                const latestEtag = state.latest?.etag;
                if (latestEtag) setValues((current) => ({ ...current, etag: latestEtag }));
                setConflictSettled(true);
              }}
            >
              Keep my version (overwrite theirs on the next save)
            </button>
          </div>
        </div>
      )}

      {setAside && (
        <section aria-labelledby="set-aside-heading" className={`${alertClass} space-y-3`}>
          <h2 id="set-aside-heading" className="font-medium">
            Your unsaved version
          </h2>
          <p className="text-muted">The form now shows the latest saved version. Copy what you need from yours:</p>
          <label htmlFor="set-aside-title" className="block text-sm font-medium">
            Your title
          </label>
          <input id="set-aside-title" readOnly value={setAside.title} className={secondaryInput} />
          <label htmlFor="set-aside-markdown" className="block text-sm font-medium">
            Your body
          </label>
          <textarea id="set-aside-markdown" readOnly rows={6} value={setAside.markdown} className={secondaryInput} />
          <div className="flex flex-wrap gap-3">
            <button
              type="button"
              className={secondaryButtonClass}
              onClick={() => {
                setValues({ ...setAside, etag: values.etag });
                setSetAside(undefined);
              }}
            >
              Put my version back
            </button>
            <button type="button" className={secondaryButtonClass} onClick={() => setSetAside(undefined)}>
              Discard my version
            </button>
          </div>
        </section>
      )}

      <Field
        id="post-title"
        label="Title"
        error={errorOf('title')}
        render={(control) => <input {...control} name="title" value={values.title} onChange={onTitle} />}
      />
      <Field
        id="post-slug"
        label="Slug"
        hint={slugEdited ? 'The address of the post.' : 'Suggested from the title until you edit it.'}
        error={errorOf('slug')}
        render={(control) => (
          <input
            {...control}
            name="slug"
            value={values.slug}
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => {
              setSlugEdited(true);
              set('slug')(event);
            }}
          />
        )}
      />

      <div className="grid gap-6 lg:grid-cols-2">
        <Field
          id="post-markdown"
          label="Body (Markdown)"
          error={errorOf('markdown')}
          render={(control) => (
            <textarea
              {...control}
              name="markdown"
              rows={18}
              value={values.markdown}
              onChange={set('markdown')}
              className={`${control.className} font-mono text-sm`}
            />
          )}
        />
        <MarkdownPreview markdown={values.markdown} />
      </div>

      <Field
        id="post-tags"
        label="Tags"
        hint="Separated by commas; new tags are created."
        error={errorOf('tags')}
        render={(control) => <input {...control} name="tags" value={values.tags} onChange={set('tags')} />}
      />

      <fieldset className="space-y-4 rounded border border-rule p-4">
        <legend className="px-1 text-sm font-medium">Cover image</legend>
        <Field
          id="post-cover-url"
          label="Image URL"
          error={errorOf('coverImageUrl')}
          render={(control) => (
            <input {...control} name="coverImageUrl" type="text" inputMode="url" value={values.coverImageUrl} onChange={set('coverImageUrl')} />
          )}
        />
        <Field
          id="post-cover-alt"
          label="Alternative text"
          hint="Describes the image for readers who cannot see it."
          error={errorOf('coverImageAlt')}
          render={(control) => (
            <input {...control} name="coverImageAlt" value={values.coverImageAlt} onChange={set('coverImageAlt')} />
          )}
        />
      </fieldset>

      <fieldset className="space-y-4 rounded border border-rule p-4">
        <legend className="px-1 text-sm font-medium">Search engines and sharing</legend>
        <Field
          id="post-meta-title"
          label="SEO title"
          hint="Empty uses the post's title."
          error={errorOf('metaTitle')}
          render={(control) => <input {...control} name="metaTitle" value={values.metaTitle} onChange={set('metaTitle')} />}
        />
        <Field
          id="post-meta-description"
          label="SEO description"
          hint="Empty uses the post's excerpt."
          error={errorOf('metaDescription')}
          render={(control) => (
            <textarea {...control} name="metaDescription" rows={3} value={values.metaDescription} onChange={set('metaDescription')} />
          )}
        />
        <Field
          id="post-canonical-url"
          label="Canonical URL"
          hint="Only when the post was first published elsewhere."
          error={errorOf('canonicalUrl')}
          render={(control) => (
            <input {...control} name="canonicalUrl" type="text" inputMode="url" value={values.canonicalUrl} onChange={set('canonicalUrl')} />
          )}
        />
      </fieldset>

      <FormMessage state={state} pending={busy} />

      <div className="flex flex-wrap items-end gap-3 border-t border-rule pt-6">
        <IntentButton intent="save" pending={busy} primary={!lifecycle.canPublish || lifecycle.status === 'published'}>
          {lifecycle.status === 'published' ? 'Update' : 'Save draft'}
        </IntentButton>
        {lifecycle.canPublish && lifecycle.status !== 'published' && (
          <IntentButton intent="publish" pending={busy} primary>
            Publish now
          </IntentButton>
        )}
        {lifecycle.canPublish && (lifecycle.status === 'published' || lifecycle.status === 'scheduled') && (
          <IntentButton intent="unpublish" pending={busy}>
            Unpublish
          </IntentButton>
        )}
        {lifecycle.canPublish && lifecycle.status === 'published' && (
          <IntentButton intent="archive" pending={busy}>
            Archive
          </IntentButton>
        )}
      </div>

      {lifecycle.canPublish && lifecycle.status !== 'published' && (
        <div className="flex flex-wrap items-end gap-3">
          <Field
            id="post-publish-at"
            label={lifecycle.status === 'scheduled' ? 'Scheduled for' : 'Publish at'}
            error={errorOf('publishAt')}
            render={(control) => (
              <input
                {...control}
                type="datetime-local"
                suppressHydrationWarning
                value={toLocalInput(values.publishAt)}
                onChange={(event) => setValues((current) => ({ ...current, publishAt: fromLocalInput(event.target.value) }))}
              />
            )}
          />
          {/* The browser's local time, sent as an instant. */}
          <input type="hidden" name="publishAt" value={values.publishAt} />
          <IntentButton intent="schedule" pending={busy}>
            {lifecycle.status === 'scheduled' ? 'Reschedule' : 'Schedule'}
          </IntentButton>
        </div>
      )}
    </form>
  );
}

const secondaryInput = 'block w-full rounded border border-rule bg-canvas px-3 py-2 font-mono text-sm';

function IntentButton({
  intent,
  pending,
  primary = false,
  children,
}: {
  intent: PostIntent;
  pending: boolean;
  primary?: boolean;
  children: string;
}) {
  return (
    <button type="submit" name="intent" value={intent} disabled={pending} className={primary ? primaryButtonClass : secondaryButtonClass}>
      {children}
    </button>
  );
}

function FormMessage({ state, pending }: { state: PostFormState; pending: boolean }) {
  if (pending) {
    return (
      <p role="status" aria-live="polite" className="text-sm text-muted">
        Saving…
      </p>
    );
  }
  const message = (() => {
    switch (state.status) {
      case 'editing':
      case 'stale':
        return undefined;
      case 'invalid':
        return ['Please correct the fields marked above.', ...state.formErrors].join(' ');
      case 'forbidden':
        return state.contentSaved
          ? 'Your changes are saved, but your role does not allow publishing this post.'
          : 'Your role does not allow this change.';
      case 'signed-out':
        return 'Your session has ended. Sign in again in another tab (/admin/login), then submit again: your text is kept here.';
      case 'failed':
        switch (state.reason) {
          case 'not-found':
            return 'This post no longer exists (it may have been deleted).';
          case 'rate-limited':
            return 'Too many requests. Please wait a moment and try again.';
          case 'unavailable':
            return 'The post could not be saved right now. Please try again.';
        }
    }
  })();
  return (
    <p role="alert" aria-live="polite" className={message ? alertClass : 'sr-only'}>
      {message}
    </p>
  );
}

/** The engine's rendering of the unsaved Markdown, asked for once typing pauses. */
function MarkdownPreview({ markdown }: { markdown: string }) {
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

/** An ISO instant as a `datetime-local` value in the browser's time zone. */
function toLocalInput(iso: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** A `datetime-local` value (browser time zone) as an ISO instant; empty while incomplete. */
function fromLocalInput(value: string): string {
  const date = new Date(value);
  return value && !Number.isNaN(date.getTime()) ? date.toISOString() : '';
}
