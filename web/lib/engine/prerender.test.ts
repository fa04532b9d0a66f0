import { Code, ConnectError } from '@connectrpc/connect';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// How the engine answers the build's probe.
const probe = vi.hoisted(() => ({ listPosts: vi.fn() }));
vi.mock('./clients', () => ({ engine: () => ({ posts: { listPosts: probe.listPosts } }) }));

/** A fresh module per test: the probe's answer is kept for the process. */
async function load() {
  vi.resetModules();
  return import('./prerender');
}

beforeEach(() => {
  probe.listPosts.mockReset();
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});

describe('paramsToPrerender', () => {
  it('prerenders what `load` lists when the engine answers', async () => {
    probe.listPosts.mockResolvedValue({ posts: [] });
    const { paramsToPrerender } = await load();

    await expect(paramsToPrerender('/[slug]', async () => [{ slug: 'hello' }], ['slug'])).resolves.toEqual([
      { slug: 'hello' },
    ]);
  });

  it('prerenders only the placeholder when the engine cannot be reached, without calling `load`', async () => {
    probe.listPosts.mockRejectedValue(new ConnectError('connect ECONNREFUSED', Code.Unavailable));
    const { paramsToPrerender } = await load();
    const loadParams = vi.fn();

    await expect(paramsToPrerender('/tag/[slug]/page/[page]', loadParams, ['slug', 'page'])).resolves.toEqual([
      { slug: '_', page: '_' },
    ]);
    expect(loadParams).not.toHaveBeenCalled();
    expect(console.warn).toHaveBeenCalledWith(expect.stringContaining('engine unavailable at build time'));
  });

  it('asks the engine once per build worker', async () => {
    probe.listPosts.mockRejectedValue(new ConnectError('no key', Code.Unauthenticated));
    const { paramsToPrerender } = await load();

    await paramsToPrerender('/a/[slug]', async () => [], ['slug']);
    await paramsToPrerender('/b/[slug]', async () => [], ['slug']);

    expect(probe.listPosts).toHaveBeenCalledTimes(1);
  });

  it('falls back to the placeholder when there is nothing to prerender', async () => {
    probe.listPosts.mockResolvedValue({ posts: [] });
    const { paramsToPrerender } = await load();

    await expect(paramsToPrerender('/[slug]', async () => [], ['slug'])).resolves.toEqual([{ slug: '_' }]);
  });
});
