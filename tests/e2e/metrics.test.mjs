// The engine's Prometheus endpoint counts and times RPCs by method and
// status, and reports the cache levels, pool and Redis state.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bufCurl } from './buf-curl.mjs';
import { startEngine } from './engine-process.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { startProcess, waitForPort, waitUntil } from '../../scripts/lib/processes.mjs';

let engine;
let key;

before(async () => {
  engine = await startEngine({ metrics: true });
  key = await engine.createKey(['content:read']);
});

after(async () => {
  await engine?.stop();
});

test('RPCs, cache levels and Redis state appear on /metrics', async () => {
  for (let i = 0; i < 3; i += 1) {
    const listed = await bufCurl(engine.url, 'quire.v1.PostService/ListPosts', {}, key);
    assert.ok(listed.ok);
  }
  const missing = await bufCurl(engine.url, 'quire.v1.PostService/GetPost', { slug: 'nothing' }, key);
  assert.equal(missing.error.code, 'not_found');

  let text = '';
  // The pool gauges are sampled every 5 s.
  for (let attempt = 0; attempt < 30 && !text.includes('quire_db_pool_connections'); attempt += 1) {
    text = await (await fetch(`${engine.metricsUrl}/metrics`)).text();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.match(text, /quire_rpc_requests_total\{method="quire\.v1\.PostService\/ListPosts",status="0"\} 3/);
  assert.match(text, /quire_rpc_requests_total\{method="quire\.v1\.PostService\/GetPost",status="5"\} 1/);
  assert.match(text, /quire_rpc_duration_seconds_bucket\{method="quire\.v1\.PostService\/ListPosts",status="0",le="0\.001"\}/);
  assert.match(text, /quire_cache_hits_total\{level="local"\} 2/);
  assert.match(text, /quire_cache_loads_total \d+/);
  assert.match(text, /quire_redis_up 1/);
  assert.match(text, /quire_db_pool_connections \d+/);
});

test('quire_redis_up follows Redis down and back up, without waiting for traffic', async () => {
  const port = await freePort();
  const startRedis = async () => {
    const redis = startProcess(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      output: 'keep',
    });
    await waitForPort(port);
    return redis;
  };
  let redis = await startRedis();
  const own = await startEngine({ metrics: true, env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
  try {
    const ownKey = await own.createKey(['content:read']);
    const redisUp = async () => (await (await fetch(`${own.metricsUrl}/metrics`)).text()).match(/quire_redis_up (\d)/)?.[1];
    assert.equal(await redisUp(), '1');

    await redis.stop();
    // Reads of posts no replica has cached yet each ask Redis first.
    for (let i = 0; i < 5; i += 1) {
      const missing = await bufCurl(own.url, 'quire.v1.PostService/GetPost', { slug: `absent-${i}` }, ownKey);
      assert.equal(missing.error.code, 'not_found', 'reads still answer without Redis');
    }
    assert.ok(await waitUntil(3_000, async () => (await redisUp()) === '0'), 'quire_redis_up went to 0');

    redis = await startRedis();
    // No traffic now: the engine's own probe notices.
    assert.ok(await waitUntil(3_000, async () => (await redisUp()) === '1'), 'quire_redis_up came back to 1 without traffic');
  } finally {
    await own.stop();
    await redis.stop();
  }
});
