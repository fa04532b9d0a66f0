import type { ReactNode } from 'react';
import { inputClass } from './styles';

/**
 * A labelled form field with its error (the engine's message) beside it,
 * tied to the input for screen readers. `render` draws the control with the
 * props it must carry.
 */
export function Field({
  id,
  label,
  hint,
  error,
  render,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  render: (control: {
    id: string;
    className: string;
    'aria-invalid': true | undefined;
    'aria-describedby': string | undefined;
  }) => ReactNode;
}) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error && errorId, hint && hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div>
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      {render({ id, className: inputClass, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint && (
        <p id={hintId} className="mt-1 text-xs text-muted">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="mt-1 text-sm text-accent">
          {error}
        </p>
      )}
    </div>
  );
}
