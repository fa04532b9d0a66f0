// The web's health endpoint (GET /healthz), against the web server and the real
// engine: 200 while the engine serves, 503 within two seconds once it is
// stopped or stops answering, and never cached on the way.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { startEngine } from './engine-process.mjs';
import { startWeb } from './web-process.mjs';

/** The endpoint's own deadline is one second; the rest is margin for a loaded machine. */
const REPORTED_WITHIN_MS = 2_000;

let engine;
let apiKey;
const webs = [];
const silentEngines = [];

before(async () => {
  engine = await startEngine();
  apiKey = await engine.createKey(['content:read', 'comments:create']);
  webs.push(await startWeb({ engineUrl: engine.url, apiKey }));
});

after(async () => {
  await Promise.all(webs.map((web) => web.stop()));
  for (const server of silentEngines) server.close();
  await engine?.stop();
});

/** GET /healthz: its status, body, Cache-Control, and how long it took. */
async function health(web) {
  const started = performance.now();
  const response = await fetch(`${web.url}/healthz`);
  const body = await response.json();
  return { status: response.status, body, cacheControl: response.headers.get('cache-control'), ms: performance.now() - started };
}

test('answers 200 while the engine serves, asked anew every time', async () => {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const answer = await health(webs[0]);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { engine: 'serving' });
    assert.equal(answer.cacheControl, 'no-store');
  }
});

test('answers 503 within two seconds once the engine is stopped', async () => {
  await engine.stop();
  engine = undefined;
  const answer = await health(webs[0]);
  assert.equal(answer.status, 503);
  assert.deepEqual(answer.body, { engine: 'unreachable' });
  assert.equal(answer.cacheControl, 'no-store');
  assert.ok(answer.ms < REPORTED_WITHIN_MS, `took ${Math.round(answer.ms)} ms`);
});

test('answers 503 within two seconds when the engine accepts connections but never answers', async () => {
  // A hung engine: the connection opens, and nothing comes back.
  const silent = createServer(() => {});
  silentEngines.push(silent);
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const web = await startWeb({ engineUrl: `http://127.0.0.1:${silent.address().port}`, apiKey });
  webs.push(web);
  const answer = await health(web);
  assert.equal(answer.status, 503);
  assert.deepEqual(answer.body, { engine: 'unreachable' });
  assert.ok(answer.ms < REPORTED_WITHIN_MS, `took ${Math.round(answer.ms)} ms`);
});
