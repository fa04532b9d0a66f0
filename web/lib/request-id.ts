import { textField } from '@/lib/form-data';

/**
 * The request ids (idempotency keys, AIP-155) of Server Actions that write:
 * every engine mutation carries one, and the engine answers a repeated id
 * from the same caller with the first call's response instead of writing
 * again, so a resubmitted or retried form cannot post a comment twice or
 * save over its own first attempt. A form posts its id in a hidden field
 * (components/request-id-field.tsx); the action reads it here.
 */

/** The form field the id travels in. */
export const REQUEST_ID_FIELD = 'requestId';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A new request id: a random (version 4) UUID, on the server or in the browser. */
export function newRequestId(): string {
  // Browsers have `randomUUID` only in secure contexts (HTTPS, localhost); a
  // site served over plain HTTP still has `getRandomValues`.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const hex = Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte, index) => {
    // Byte 6 holds the version (4), byte 8 the RFC 4122 variant.
    const value = index === 6 ? (byte & 0x0f) | 0x40 : index === 8 ? (byte & 0x3f) | 0x80 : byte;
    return value.toString(16).padStart(2, '0');
  }).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The request id a form posted. A form that posted none or a malformed one
 * (submitted before hydration, or not by our page) still gets its write, with
 * a new id: only a retry of it is not recognised as one.
 */
export function requestIdFrom(formData: FormData): string {
  const posted = textField(formData, REQUEST_ID_FIELD);
  return UUID.test(posted) ? posted : newRequestId();
}
