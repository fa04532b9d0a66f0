'use client';

import type { ReactNode } from 'react';
import { useFormStatus } from 'react-dom';
import { primaryButtonClass } from './styles';

/** A form's submit button, disabled and relabelled while its Server Action runs. */
export function SubmitButton({
  children,
  pendingLabel,
  className = primaryButtonClass,
  name,
  value,
}: {
  children: ReactNode;
  pendingLabel: string;
  className?: string;
  name?: string;
  value?: string;
}) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" name={name} value={value} disabled={pending} className={className}>
      {pending ? pendingLabel : children}
    </button>
  );
}
