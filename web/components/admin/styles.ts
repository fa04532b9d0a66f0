/** Class names shared by the admin forms, in the reader site's tokens (globals.css). */
export const inputClass =
  'mt-1 block w-full rounded border border-rule bg-canvas px-3 py-2 text-ink placeholder:text-muted focus:border-accent aria-invalid:border-accent';
export const primaryButtonClass =
  'rounded bg-accent px-5 py-2 font-medium text-canvas hover:opacity-90 disabled:opacity-60';
export const secondaryButtonClass =
  'rounded border border-rule px-4 py-2 font-medium hover:border-accent hover:text-accent disabled:opacity-60';
export const dangerButtonClass =
  'rounded border border-accent px-4 py-2 font-medium text-accent hover:bg-accent hover:text-canvas disabled:opacity-60';
export const alertClass = 'rounded border border-accent bg-surface px-4 py-3 text-sm';
