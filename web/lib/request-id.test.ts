import { afterEach, describe, expect, it, vi } from 'vitest';
import { newRequestId, REQUEST_ID_FIELD, requestIdFrom } from './request-id';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('newRequestId', () => {
  it('is a new random UUID each time', () => {
    const ids = Array.from({ length: 100 }, newRequestId);
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is a UUID where randomUUID is missing (a browser on plain HTTP)', () => {
    const { getRandomValues } = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: getRandomValues.bind(globalThis.crypto) });
    const ids = Array.from({ length: 100 }, newRequestId);
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('requestIdFrom', () => {
  const form = (value?: string | Blob) => {
    const formData = new FormData();
    if (value !== undefined) formData.set(REQUEST_ID_FIELD, value);
    return formData;
  };

  it('is the id the form posted, so that a resubmission is the same request', () => {
    const id = 'A3BB189E-8BF9-3888-9912-ACE4E6543002';
    expect(requestIdFrom(form(id))).toBe(id);
  });

  it('is a new id when the form posted none or a malformed one', () => {
    for (const posted of [undefined, '', 'not-a-uuid', `${newRequestId()}x`, new Blob(['file'])]) {
      expect(requestIdFrom(form(posted))).toMatch(UUID_V4);
    }
    expect(requestIdFrom(form())).not.toBe(requestIdFrom(form()));
  });
});
