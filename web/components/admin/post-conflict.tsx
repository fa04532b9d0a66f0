import type { PostFormValues } from '@/lib/admin/post-form';
import { alertClass, secondaryButtonClass } from './styles';

/**
 * A save answered that someone else changed the post since it was opened:
 * load their version (putting the author's aside) or keep the author's, to
 * overwrite theirs on the next save. Both need their version (`latest`).
 */
export function ConflictAlert({
  latest,
  onLoadLatest,
  onKeepMine,
}: {
  latest: PostFormValues | undefined;
  onLoadLatest: (latest: PostFormValues) => void;
  onKeepMine: (latest: PostFormValues) => void;
}) {
  return (
    <div role="alert" className={`${alertClass} space-y-3`}>
      <p>
        <strong>Someone else changed this post</strong> since you opened it, so your changes were not saved. Your
        text is still here.
      </p>
      <div className="flex flex-wrap gap-3">
        <button type="button" className={secondaryButtonClass} disabled={!latest} onClick={() => latest && onLoadLatest(latest)}>
          Load the latest version
        </button>
        <button type="button" className={secondaryButtonClass} disabled={!latest} onClick={() => latest && onKeepMine(latest)}>
          Keep my version (overwrite theirs on the next save)
        </button>
      </div>
    </div>
  );
}

const readOnlyClass = 'block w-full rounded border border-rule bg-canvas px-3 py-2 font-mono text-sm';

/** The author's unsaved version, kept beside the form after they loaded the latest one. */
export function SetAsideVersion({
  version,
  onPutBack,
  onDiscard,
}: {
  version: PostFormValues;
  onPutBack: () => void;
  onDiscard: () => void;
}) {
  return (
    <section aria-labelledby="set-aside-heading" className={`${alertClass} space-y-3`}>
      <h2 id="set-aside-heading" className="font-medium">
        Your unsaved version
      </h2>
      <p className="text-muted">The form now shows the latest saved version. Copy what you need from yours:</p>
      <label htmlFor="set-aside-title" className="block text-sm font-medium">
        Your title
      </label>
      <input id="set-aside-title" readOnly value={version.title} className={readOnlyClass} />
      <label htmlFor="set-aside-markdown" className="block text-sm font-medium">
        Your body
      </label>
      <textarea id="set-aside-markdown" readOnly rows={6} value={version.markdown} className={readOnlyClass} />
      <div className="flex flex-wrap gap-3">
        <button type="button" className={secondaryButtonClass} onClick={onPutBack}>
          Put my version back
        </button>
        <button type="button" className={secondaryButtonClass} onClick={onDiscard}>
          Discard my version
        </button>
      </div>
    </section>
  );
}
