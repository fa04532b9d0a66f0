import type { PostIntent } from '@/lib/admin/post-form';
import { Field } from './field';
import type { EditorForm } from './post-fields';
import { primaryButtonClass, secondaryButtonClass } from './styles';

/** Which lifecycle buttons the editor shows; the engine decides what is allowed. */
export type EditorLifecycle = {
  /** The post's state, or 'new' before it is created. */
  status: 'new' | 'draft' | 'scheduled' | 'published' | 'archived';
  /** False for contributors (and for authors on others' posts): no publish, schedule or unpublish. */
  canPublish: boolean;
};

/**
 * The submit buttons, one per intent the post's state and the author's role
 * allow, and the publish time for scheduling. Each one saves the content and
 * the new state in one write.
 */
export function LifecycleControls({ lifecycle, busy, form }: { lifecycle: EditorLifecycle; busy: boolean; form: EditorForm }) {
  const { status, canPublish } = lifecycle;
  const published = status === 'published';
  return (
    <>
      <div className="flex flex-wrap items-end gap-3 border-t border-rule pt-6">
        <IntentButton intent="save" pending={busy} primary={!canPublish || published}>
          {published ? 'Update' : 'Save draft'}
        </IntentButton>
        {canPublish && !published && (
          <IntentButton intent="publish" pending={busy} primary>
            Publish now
          </IntentButton>
        )}
        {canPublish && (published || status === 'scheduled') && (
          <IntentButton intent="unpublish" pending={busy}>
            Unpublish
          </IntentButton>
        )}
        {canPublish && published && (
          <IntentButton intent="archive" pending={busy}>
            Archive
          </IntentButton>
        )}
      </div>

      {canPublish && !published && (
        <div className="flex flex-wrap items-end gap-3">
          <Field
            id="post-publish-at"
            label={status === 'scheduled' ? 'Scheduled for' : 'Publish at'}
            error={form.errors.publishAt}
            render={(control) => (
              <input
                {...control}
                type="datetime-local"
                suppressHydrationWarning
                value={toLocalInput(form.values.publishAt)}
                onChange={(event) => form.change('publishAt', fromLocalInput(event.target.value))}
              />
            )}
          />
          {/* The browser's local time, sent as an instant. */}
          <input type="hidden" name="publishAt" value={form.values.publishAt} />
          <IntentButton intent="schedule" pending={busy}>
            {status === 'scheduled' ? 'Reschedule' : 'Schedule'}
          </IntentButton>
        </div>
      )}
    </>
  );
}

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
