'use client';

import { type FormEvent, useActionState, useEffect, useState, useTransition } from 'react';
import { savePost } from '@/app/admin/posts/actions';
import { RequestIdField } from '@/components/request-id-field';
import type { PostField, PostFormValues } from '@/lib/admin/post-form';
import { suggestSlug } from '@/lib/admin/slug';
import { ConflictAlert, SetAsideVersion } from './post-conflict';
import { PostFields } from './post-fields';
import { PostFormMessage } from './post-form-message';
import { type EditorLifecycle, LifecycleControls } from './post-lifecycle';

/**
 * The post editor: title, slug (suggested from the title until edited by
 * hand), Markdown with the engine's live preview, tags, cover image and SEO
 * fields. Every submit goes to the `savePost` Server Action with the etag the
 * post was opened at; its answer re-fills the form, so nothing typed is lost.
 * This component holds the form's state; the pieces it draws only show it.
 */
export function PostEditor({
  initial,
  requestId,
  lifecycle,
}: {
  initial: PostFormValues;
  /** The request id of the first save (a UUID per rendered editor); RequestIdField makes the next ones. */
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

  const change = (field: PostField, value: string | ((current: string) => string)) => {
    if (field === 'slug') setSlugEdited(true);
    setValues((current) => {
      const next = typeof value === 'function' ? value(current[field]) : value;
      // The slug follows the title until it is edited by hand.
      const suggested = field === 'title' && !slugEdited ? { slug: suggestSlug(next) } : {};
      return { ...current, [field]: next, ...suggested };
    });
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    // Submitted by hand rather than through `action`, so that React does not
    // reset the form after the action: the fields are this component's state.
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const formData = new FormData(event.currentTarget, submitter);
    startTransition(() => dispatch(formData));
  };

  const errors = state.status === 'invalid' && !pending ? state.fieldErrors : {};
  const form = { values, errors, change };

  return (
    <form onSubmit={onSubmit} className="space-y-6" aria-busy={pending}>
      <input type="hidden" name="id" value={values.id} />
      <input type="hidden" name="etag" value={values.etag} />
      <RequestIdField state={state} initial={requestId} outcomeUnknown={state.status === 'failed' && state.reason === 'unavailable'} />

      {!conflictSettled && state.status === 'stale' && !pending && (
        <ConflictAlert
          latest={state.latest}
          onLoadLatest={(latest) => {
            setSetAside(values);
            setValues(latest);
            setSlugEdited(true);
            setConflictSettled(true);
          }}
          onKeepMine={(latest) => {
            setValues((current) => ({ ...current, etag: latest.etag }));
            setConflictSettled(true);
          }}
        />
      )}

      {setAside && (
        <SetAsideVersion
          version={setAside}
          onPutBack={() => {
            setValues({ ...setAside, etag: values.etag });
            setSetAside(undefined);
          }}
          onDiscard={() => setSetAside(undefined)}
        />
      )}

      <PostFields form={form} slugEdited={slugEdited} />
      <PostFormMessage state={state} pending={busy} />
      <LifecycleControls lifecycle={lifecycle} busy={busy} form={form} />
    </form>
  );
}
