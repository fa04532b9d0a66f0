import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { ChangeKind, ChangeSchema } from '@quire/gen/quire/v1/change_pb';
import { type WatchChangesResponse, WatchChangesResponseSchema } from '@quire/gen/quire/v1/change_service_pb';
import { PostStatus } from '@quire/gen/quire/v1/post_pb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testRedis } from '@/lib/cache/test-redis';
import { type FollowerPorts, followChanges, reconnectDelayMs, resumeSequence, tagsForChanges } from './follower';
import { redisSequenceStore } from './sequence-store';

const TIMING = { recheckDelayMs: 30, idleTimeoutMs: 5_000, caughtUpAfterMs: 20 };

/** A change to the comments of `slug`, listing the tags the engine computes for it. */
function commentsChanged(sequence: number, slug: string, cacheTags = [`slug:${slug}`]) {
  return create(ChangeSchema, {
    sequence: BigInt(sequence),
    kind: ChangeKind.COMMENTS_CHANGED,
    slug,
    status: PostStatus.PUBLISHED,
    cacheTags,
  });
}

/** One scripted connection: its messages, then an error (or the stream stays open). */
type Connection = { messages: WatchChangesResponse[]; thenFail?: unknown };

function batch(...changes: ReturnType<typeof commentsChanged>[]) {
  return create(WatchChangesResponseSchema, { changes, headSequence: changes.at(-1)?.sequence ?? 0n });
}

/** Fake ports around scripted connections; records what the follower did. */
function fakePorts(connections: Connection[], stored?: bigint) {
  const calls: string[] = [];
  /** The change names the expirations were made for. */
  const changes: string[] = [];
  const requested: bigint[] = [];
  let saved = stored;
  let failUpdates = 0;
  const ports: FollowerPorts = {
    async *watch(after, signal, onConnected) {
      requested.push(after);
      const connection = connections.shift();
      if (!connection) {
        // No more scripts: stay connected until stopped.
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        return;
      }
      onConnected();
      for (const message of connection.messages) yield message;
      if (connection.thenFail) throw connection.thenFail;
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    },
    tags: {
      async expireOnce(change, tags) {
        if (failUpdates > 0) {
          failUpdates -= 1;
          throw new Error('Redis is down');
        }
        changes.push(change);
        calls.push(tags === 'everything' ? 'expire all' : `expire ${[...tags].join(' ')}`);
        return true;
      },
      async expireAll() {
        calls.push('expire all');
      },
    },
    sequence: {
      async load() {
        return saved;
      },
      async save(sequence) {
        saved = sequence;
      },
    },
    log: { info: () => {}, warn: () => {} },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5))),
  };
  return {
    ports,
    calls,
    changes,
    requested,
    saved: () => saved,
    failNextUpdates: (count: number) => {
      failUpdates = count;
    },
  };
}

async function until(condition: () => boolean, timeoutMs = 2_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('resuming', () => {
  it('continues after the last change applied here, else the stored one, else the start of the log', () => {
    expect(resumeSequence(7n, 3n)).toBe(7n);
    expect(resumeSequence(undefined, 3n)).toBe(3n);
    expect(resumeSequence(undefined, undefined)).toBe(0n);
  });

  it('backs off from 100 ms to at most a second', () => {
    expect([0, 1, 2, 3, 4, 10].map(reconnectDelayMs)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });
});

describe('followChanges', () => {
  let stop: AbortController;
  beforeEach(() => {
    stop = new AbortController();
  });
  afterEach(() => {
    stop.abort();
  });

  it("expires each change's tags, again after the recheck delay, then stores its sequence", async () => {
    const fake = fakePorts([{ messages: [batch(commentsChanged(4, 'a'), commentsChanged(5, 'b'))] }], 3n);
    void followChanges(fake.ports, stop.signal, TIMING);
    await until(() => fake.saved() === 5n);
    expect(fake.requested).toEqual([3n]);
    expect(fake.calls).toEqual(['expire slug:a slug:b', 'expire slug:a slug:b']);
    // Named by the batch's last change, so that every replica's follower applies each once.
    expect(fake.changes).toEqual(['5', '5:again']);
  });

  it('expires each tag of a batch once, exactly as its changes list them', async () => {
    const fake = fakePorts([
      { messages: [batch(commentsChanged(1, 'a', ['post:p1', 'slug:a', 'posts']), commentsChanged(2, 'b', ['slug:a', 'tag:rust']))] },
    ]);
    void followChanges(fake.ports, stop.signal, TIMING);
    await until(() => fake.saved() === 2n);
    expect(fake.calls[0]).toBe('expire post:p1 slug:a posts tag:rust');
  });

  it('expires everything, twice, for a change that lists `all`', async () => {
    const fake = fakePorts([{ messages: [batch(commentsChanged(1, 'a'), commentsChanged(2, 'b', ['all']))] }]);
    void followChanges(fake.ports, stop.signal, TIMING);
    await until(() => fake.saved() === 2n);
    expect(fake.calls).toEqual(['expire all', 'expire all']);
  });

  it('resumes after the last applied change when the stream drops', async () => {
    const fake = fakePorts([
      { messages: [batch(commentsChanged(1, 'a'))], thenFail: new ConnectError('engine restarted', Code.Unavailable) },
      { messages: [batch(commentsChanged(2, 'b'))] },
    ]);
    void followChanges(fake.ports, stop.signal, TIMING);
    await until(() => fake.saved() === 2n);
    expect(fake.requested).toEqual([0n, 1n]);
  });

  it('does not move past a change whose tags could not be expired', async () => {
    const fake = fakePorts([
      { messages: [batch(commentsChanged(1, 'a'))] },
      { messages: [batch(commentsChanged(1, 'a'), commentsChanged(2, 'b'))] },
    ]);
    fake.failNextUpdates(1);
    void followChanges(fake.ports, stop.signal, TIMING);
    await until(() => fake.saved() === 2n);
    expect(fake.requested).toEqual([0n, 0n]);
    expect(fake.calls[0]).toBe('expire slug:a slug:b');
  });

  it('expires everything and replays the log when the engine no longer has the changes it missed', async () => {
    const fake = fakePorts(
      [
        { messages: [], thenFail: new ConnectError('changes up to 90 are no longer retained', Code.OutOfRange) },
        { messages: [batch(commentsChanged(91, 'a'))] },
      ],
      12n,
    );
    void followChanges(fake.ports, stop.signal, TIMING);
    await until(() => fake.saved() === 91n);
    expect(fake.requested).toEqual([12n, 0n]);
    expect(fake.calls[0]).toBe('expire all');
  });

  it('reports catching up once its first replay is applied, or soon after connecting without one', async () => {
    const replayed = fakePorts([{ messages: [batch(commentsChanged(3, 'a'))] }], 2n);
    let replayedAt: string[] | undefined;
    replayed.ports.onCaughtUp = () => (replayedAt = [...replayed.calls]);
    void followChanges(replayed.ports, stop.signal, TIMING);
    await until(() => replayedAt !== undefined);
    expect(replayedAt).toEqual(['expire slug:a']);

    const quiet = fakePorts([{ messages: [] }], 2n);
    let reported = false;
    quiet.ports.onCaughtUp = () => (reported = true);
    void followChanges(quiet.ports, stop.signal, TIMING);
    await until(() => reported);
  });

  it('reconnects when the stream goes quiet', async () => {
    const fake = fakePorts([{ messages: [batch(commentsChanged(1, 'a'))] }]);
    void followChanges(fake.ports, stop.signal, { recheckDelayMs: 10, idleTimeoutMs: 50, caughtUpAfterMs: 20 });
    await until(() => fake.requested.length >= 2);
    expect(fake.requested.slice(0, 2)).toEqual([0n, 1n]);
  });
});

describe('the Redis sequence store', () => {
  let redis: ReturnType<typeof testRedis>;
  beforeEach(() => {
    redis = testRedis();
  });
  afterEach(async () => {
    await redis.cleanup();
  });

  it('keeps the last applied sequence for a restarted replica', async () => {
    const store = redisSequenceStore(redis.redis, redis.prefix);
    expect(await store.load()).toBeUndefined();
    await store.save(9_007_199_254_740_993n);
    expect(await redisSequenceStore(redis.redis.duplicate(), redis.prefix).load()).toBe(9_007_199_254_740_993n);
  });
});

describe('tagsForChanges', () => {
  it('counts a change listing no tags (from an engine older than tags) as everything', () => {
    expect(tagsForChanges([commentsChanged(1, 'a'), commentsChanged(2, 'b', [])])).toEqual(['slug:a', 'all']);
  });
});
