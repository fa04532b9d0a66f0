// The fault suite's smoke (issue 13): two engines over a PostgreSQL and a Redis of the test's own,
// a writer keeping a ledger of every acknowledged write, a fault injected mid-run, and a checker:
// nothing acknowledged is lost, nothing is written twice, no retry is answered wrongly, and
// health follows PostgreSQL (and only PostgreSQL) within a second. Five scenarios for a few
// seconds each; `npm run bench` runs them all, longer (bench/faults.mjs). Needs PostgreSQL 15+ and
// redis-server installed, and QUIRE_ENGINE_BIN (`npm test` provides it).
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { engineBinary } from './engine-process.mjs';
import { checkLedger } from '../../bench/lib/faults/checker.mjs';
import { startFaultCluster } from '../../bench/lib/faults/cluster.mjs';
import { startFaultProxy } from '../../bench/lib/faults/proxy.mjs';
import { runScenario, scenariosById } from '../../bench/lib/faults/scenarios.mjs';

const TIMING = { warmupMs: 1_500, holdMs: 2_000, tailMs: 1_500, lanes: 2, giveUpMs: 10_000 };
const SCENARIO_TIMEOUT_MS = 60_000;

/** @type {Awaited<ReturnType<typeof startFaultCluster>>} */
let cluster;

before(async () => {
  cluster = await startFaultCluster({ engineBin: engineBinary() });
}, { timeout: 120_000 });

after(async () => {
  await cluster?.close();
});

/** @param {string} id */
async function run(id) {
  const [scenario] = scenariosById([id]);
  return runScenario(cluster, scenario, TIMING);
}

/**
 * @param {Awaited<ReturnType<typeof runScenario>>} result
 */
function assertLedgerHeld(result) {
  const detail = () => `${JSON.stringify({ ...result, problems: undefined }, null, 1)}\n${result.problems.join('\n')}\n${cluster.logTails()}`;
  assert.ok(result.acknowledged > 0, `no write was acknowledged\n${detail()}`);
  assert.equal(result.lost, 0, `acknowledged writes lost\n${detail()}`);
  assert.equal(result.duplicated, 0, `writes that took effect twice\n${detail()}`);
  assert.equal(result.wrong, 0, `retries answered with something other than the first call's result\n${detail()}`);
}

test('the checker finds lost, duplicated and wrongly answered writes (and accepts uncertain ones either way)', async () => {
  const write = (kind, name, outcome, extra = {}) => ({ kind, requestId: name, slug: '', title: name, markdown: name, outcome, ...extra });
  const post = (slug, writes) => [slug, { slug, id: slug, writes: writes.map((w) => ({ ...w, slug })) }];
  const ledger = new Map([
    post('t-updated-lost', [write('create', 'c1', 'acked'), write('update', 'u1', 'acked')]),
    post('t-post-lost', [write('create', 'c2', 'acked')]),
    post('t-twice', [write('create', 'c3', 'acked'), write('update', 'u3', 'acked')]),
    post('t-retry-refused', [write('create', 'c4', 'acked'), write('update', 'u4', 'refused', { refusedOnRetry: true, refusal: 'aborted' })]),
    post('t-clean', [write('create', 'c5', 'acked'), write('update', 'u5', 'acked')]),
    post('t-uncertain', [write('create', 'c6', 'acked'), write('update', 'u6', 'unknown')]),
  ]);
  // What PostgreSQL kept: [title/markdown of each revision], the last one current.
  const stored = {
    't-updated-lost': ['c1'],
    't-twice': ['c3', 'u3', 'u3'],
    't-retry-refused': ['c4', 'u4'],
    't-clean': ['c5', 'u5'],
    't-uncertain': ['c6', 'u6'],
  };
  const versions = (id) => stored[id].map((text, i) => ({ revision: BigInt(i + 1), title: text, markdown: text }));
  const reader = {
    posts: {
      listPosts: async () => ({ posts: Object.keys(stored).map((slug) => ({ slug, id: slug })), nextPageToken: '' }),
      getPost: async ({ key }) => ({ post: versions(key.value).at(-1) }),
      listPostRevisions: async ({ postId }) => ({ revisions: versions(postId), nextPageToken: '' }),
    },
  };
  const result = await checkLedger(/** @type {any} */ (reader), ledger, 't-');
  assert.deepEqual(
    { lost: result.lost, duplicated: result.duplicated, wrong: result.wrong, appliedUnknown: result.appliedUnknown },
    { lost: 2, duplicated: 1, wrong: 1, appliedUnknown: 2 },
    result.problems.join('\n'),
  );
});

test('the fault proxy passes, delays in order, swallows and resets', async () => {
  const echo = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const proxy = await startFaultProxy({ host: '127.0.0.1', port: /** @type {net.AddressInfo} */ (echo.address()).port });
  const client = net.connect(proxy.port, proxy.host);
  const errors = [];
  client.on('error', (error) => errors.push(/** @type {NodeJS.ErrnoException} */ (error).code));
  let received = '';
  client.on('data', (chunk) => {
    received += chunk;
  });
  const receivedWithin = async (/** @type {number} */ ms) => {
    await sleep(ms);
    const text = received;
    received = '';
    return text;
  };
  try {
    await once(client, 'connect');
    client.write('pass;');
    assert.equal(await receivedWithin(50), 'pass;');

    proxy.setMode({ kind: 'latency', ms: 150 });
    client.write('slow;');
    await sleep(20);
    proxy.setMode({ kind: 'pass' });
    client.write('after;');
    assert.equal(await receivedWithin(60), '', 'a chunk sent after the delayed one waits for it');
    assert.equal(await receivedWithin(400), 'slow;after;');

    proxy.setMode({ kind: 'blackhole' });
    client.write('lost;');
    assert.equal(await receivedWithin(100), '');
    assert.deepEqual(errors, [], 'a black hole fails nothing');

    proxy.setMode({ kind: 'reset' });
    await sleep(50);
    assert.deepEqual(errors, ['ECONNRESET']);
  } finally {
    client.destroy();
    await proxy.close();
    echo.close();
  }
});

test('engine kill -9 mid-write: no acknowledged write lost or duplicated, the other engine stays SERVING', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
  const result = await run('engine-kill');
  assertLedgerHeld(result);
  assert.ok(result.retriesAcknowledged > 0, 'the writes the kill interrupted were retried on the other engine');
  assert.ok(result.health.correct, `health: ${JSON.stringify(result.health)}`);
});

test('client deadlines shorter than the writes: every retry answered as its first attempt, nothing lost or written twice', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
  const result = await run('client-deadlines');
  assertLedgerHeld(result);
  assert.ok(result.writeOutcomes.deadline_exceeded > 0, `no first attempt ran out of time: ${JSON.stringify(result.writeOutcomes)}`);
  assert.ok(result.health.correct, `health: ${JSON.stringify(result.health)}`);
});

test('PostgreSQL immediate stop: NOT_SERVING within 1 s, SERVING within 1 s of its return, no write lost or duplicated', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
  const result = await run('postgres-stop');
  assertLedgerHeld(result);
  assert.ok(result.health.correct, `health: ${JSON.stringify(result.health)}`);
  for (const [engine, health] of Object.entries(result.health.perEngine)) {
    assert.ok(health.notServingMs != null && health.notServingMs <= 1_000, `engine ${engine} NOT_SERVING after the stop: ${health.notServingMs} ms`);
    assert.ok(health.servingMs != null && health.servingMs <= 1_000, `engine ${engine} SERVING after the return: ${health.servingMs} ms`);
  }
});

test('Redis SIGSTOP: health stays SERVING, no write lost or duplicated, the other engine catches up', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
  const result = await run('redis-pause');
  assertLedgerHeld(result);
  assert.ok(result.health.correct, `health flipped while only Redis was down: ${JSON.stringify(result.health)}`);
  assert.equal(result.staleness.neverSeen, 0, 'every acknowledged update became visible on the other engine within 5 s');
});

test('network fault between an engine and PostgreSQL: that engine NOT_SERVING within 1 s of the black hole, SERVING within 1 s of the path\'s return, the other SERVING, nothing lost or duplicated', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
  const result = await run('postgres-network');
  assertLedgerHeld(result);
  assert.ok(result.health.correct, `health: ${JSON.stringify(result.health)}`);
  const cutOff = Object.entries(result.health.perEngine).filter(([, health]) => health.cutOff);
  assert.equal(cutOff.length, 1, `one engine behind the proxy: ${JSON.stringify(result.health)}`);
  for (const [engine, health] of cutOff) {
    assert.ok(health.notServingMs != null && health.notServingMs <= 1_000, `engine ${engine} NOT_SERVING after the black hole: ${health.notServingMs} ms`);
    assert.ok(health.servingMs != null && health.servingMs <= 1_000, `engine ${engine} SERVING after the path's return: ${health.servingMs} ms`);
  }
});
