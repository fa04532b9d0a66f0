import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PURGE_SECRET_HEADER, edgePurger, purgingEdges, tagHeaders } from './purger';

const SECRET = 'a-secret-of-some-length';
const TIMING = { requestTimeoutMs: 200, retryDelaysMs: [10, 10], banRetryMs: 30 };

type Seen = { method: string; tags: string | undefined; secret: string | undefined };

/**
 * A stand-in edge that records purge requests and answers `state.status` (or
 * hangs up while `down`). Raw TCP, since Node's HTTP parser refuses the BAN
 * method, which Varnish takes.
 */
async function fakeEdge() {
  const seen: Seen[] = [];
  const state = { status: 200, down: false };
  const server = net.createServer((socket) => {
    let head = '';
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      if (state.down) {
        socket.destroy();
        return;
      }
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [requestLine, ...lines] = head.slice(0, end).split('\r\n');
      const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      seen.push({ method: requestLine?.split(' ')[0] ?? '', tags: headers.get('xkey-purge'), secret: headers.get(PURGE_SECRET_HEADER) });
      socket.end(`HTTP/1.1 ${state.status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return { url, seen, state };
}

const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

function quietLog() {
  const lines: string[] = [];
  return { lines, log: { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) } };
}

async function until(check: () => boolean, ms = 2_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('edgePurger', () => {
  it('purges the tags on every edge, with the secret', async () => {
    const [a, b] = [await fakeEdge(), await fakeEdge()];
    const purger = edgePurger({ urls: [a.url, `${b.url}/`], secret: SECRET, log: quietLog().log, timing: TIMING });
    await purger.purge(['post:a', 'site']);
    for (const edge of [a, b]) expect(edge.seen).toEqual([{ method: 'PURGE', tags: 'post:a site', secret: SECRET }]);
    await purger.purgeAll();
    for (const edge of [a, b]) expect(edge.seen.at(-1)).toEqual({ method: 'BAN', tags: undefined, secret: SECRET });
  });

  it('retries a failed purge, then owes the edge a full ban until it answers', async () => {
    const edge = await fakeEdge();
    const { lines, log } = quietLog();
    const purger = edgePurger({ urls: [edge.url], secret: SECRET, log, timing: TIMING });
    edge.state.status = 503;
    await purger.purge(['post:a']);
    expect(edge.seen.map((s) => s.method)).toEqual(['PURGE', 'PURGE', 'PURGE']);
    edge.state.down = true;
    // Purges owed meanwhile are covered by the ban.
    await purger.purge(['post:b']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(edge.seen.filter((s) => s.tags === 'post:b')).toEqual([]);
    edge.state.down = false;
    edge.state.status = 200;
    await until(() => edge.seen.some((s) => s.method === 'BAN' && s.secret === SECRET));
    await until(() => lines.some((line) => line.includes('answers again')));
    await purger.purge(['post:c']);
    expect(edge.seen.at(-1)).toEqual({ method: 'PURGE', tags: 'post:c', secret: SECRET });
    expect(lines.filter((line) => line.includes('purge failed'))).toHaveLength(1);
  });

  it('never throws, and one dead edge does not hold up the others', async () => {
    const alive = await fakeEdge();
    const dead = await fakeEdge();
    dead.state.down = true;
    const purger = edgePurger({ urls: [dead.url, alive.url], secret: SECRET, log: quietLog().log, timing: TIMING });
    await expect(purger.purge(['post:a'])).resolves.toBeUndefined();
    expect(alive.seen).toHaveLength(1);
  });
});

describe('tagHeaders', () => {
  it('splits many tags into headers Varnish accepts', () => {
    const tags = Array.from({ length: 2_000 }, (_, i) => `post:${i}`);
    const headers = tagHeaders(tags);
    expect(headers.length).toBeGreaterThan(1);
    expect(headers.every((header) => header.length <= 4_000)).toBe(true);
    expect(headers.join(' ').split(' ')).toEqual(tags);
    expect(tagHeaders([])).toEqual([]);
  });
});

describe('purgingEdges', () => {
  it('expires the web cache first, then purges the edges', async () => {
    const order: string[] = [];
    const store = {
      // Another replica applied change 2 first: the edges are purged all the same.
      expireOnce: async (change: string, tags: readonly string[] | 'everything') => {
        order.push(`store ${change} ${tags === 'everything' ? 'everything' : tags.join(' ')}`);
        return change !== '2';
      },
      expireAll: async () => void order.push('store all'),
    };
    const purger = {
      purge: async (tags: readonly string[]) => void order.push(`edge ${tags.join(' ')}`),
      purgeAll: async () => void order.push('edge all'),
    };
    const tags = purgingEdges(store, purger);
    expect(await tags.expireOnce('1', ['post:a'])).toBe(true);
    expect(await tags.expireOnce('2', ['post:b'])).toBe(false);
    await tags.expireOnce('3', 'everything');
    await tags.expireAll();
    expect(order).toEqual(['store 1 post:a', 'edge post:a', 'store 2 post:b', 'edge post:b', 'store 3 everything', 'edge all', 'store all', 'edge all']);
  });

  it('does not purge the edges when the web cache could not be expired (the follower retries)', async () => {
    const purged: string[] = [];
    const store = {
      expireOnce: async (): Promise<boolean> => {
        throw new Error('redis down');
      },
      expireAll: async () => {},
    };
    const tags = purgingEdges(store, { purge: async (t) => void purged.push(...t), purgeAll: async () => {} });
    await expect(tags.expireOnce('1', ['post:a'])).rejects.toThrow('redis down');
    expect(purged).toEqual([]);
  });
});
