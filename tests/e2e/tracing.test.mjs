// One trace from a reader's Server Action through the engine into
// PostgreSQL: the web and the engine both export OTLP/HTTP (JSON) to a
// small collector run by this test, and the spans they send must form one
// trace, joined by the W3C `traceparent` the web sends over gRPC metadata.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startEngine } from './engine-process.mjs';
import { CHROMIUM_LAUNCH } from './web-blog.mjs';
import { startWeb } from './web-process.mjs';
import { seedBlog } from './web-seed.mjs';

/** Spans received, flattened: { service, traceId, spanId, parentSpanId, name, kind, attributes }. */
const spans = [];
let collector;
let engine;
let web;

function startCollector() {
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const { resourceSpans = [] } = JSON.parse(body);
        for (const { resource, scopeSpans = [] } of resourceSpans) {
          const service = resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue;
          for (const { spans: batch = [] } of scopeSpans) {
            for (const span of batch) {
              const attributes = Object.fromEntries((span.attributes ?? []).map((a) => [a.key, Object.values(a.value ?? {})[0]]));
              spans.push({ service, ...span, traceId: span.traceId.toLowerCase(), spanId: span.spanId.toLowerCase(), parentSpanId: (span.parentSpanId ?? '').toLowerCase(), attributes });
            }
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  collector = await startCollector();
  const otlp = {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.address().port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  engine = await startEngine({ env: otlp });
  web = await startWeb({ engineUrl: engine.url, apiKey: await engine.createKey(['content:read', 'comments:create']), env: otlp });
  await seedBlog(engine.url, engine.createKey, { assetBaseUrl: web.url });
});

after(async () => {
  await web?.stop();
  await engine?.stop();
  collector?.close();
});

async function until(predicate, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = predicate();
    if (found) return found;
    if (Date.now() > deadline) assert.fail(`${what}; ${spans.length} spans received: ${[...new Set(spans.map((s) => `${s.service}:${s.name}`))].join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a comment posted through a Server Action is one trace: web action → gRPC client span → engine RPC → PostgreSQL', async () => {
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  try {
    const page = await browser.newPage();
    await page.goto(`${web.url}/first-compilers`);
    await page.getByLabel('Name').fill('Tracy');
    await page.getByLabel('Comment', { exact: true }).fill('Following the trace.');
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.getByText('will appear once a moderator approves it').waitFor();
  } finally {
    await browser.close();
  }

  const client = await until(
    () => spans.find((s) => s.service === 'quire-web' && s.name === 'quire.v1.CommentService/CreateComment'),
    'no web client span for CreateComment',
  );
  const server = await until(
    () => spans.find((s) => s.service === 'quire-engine' && s.traceId === client.traceId && s.parentSpanId === client.spanId),
    'no engine span whose parent is the web’s client span',
  );
  assert.match(server.name, /CreateComment/);
  assert.equal(server.attributes['rpc.system'], 'grpc');

  // The engine's database work is inside the same trace, below its RPC span.
  const database = await until(
    () => spans.find((s) => s.service === 'quire-engine' && s.traceId === client.traceId && s.attributes['db.system'] === 'postgresql'),
    'no PostgreSQL span in the trace',
  );
  assert.notEqual(database.spanId, server.spanId);

  // And the web's side of the trace starts above the client span: Next.js's own spans for the action's request.
  const webParent = spans.find((s) => s.service === 'quire-web' && s.spanId === client.parentSpanId);
  assert.ok(webParent, 'the web’s client span has no parent span from Next.js (the request / Server Action)');
  assert.equal(webParent.traceId, client.traceId);
});

test('reading a page is traced too: engine reads carry the page render’s trace', async () => {
  await new Promise((resolve) => setTimeout(resolve, 500)); // the previous test's batches
  const seen = spans.length;
  const response = await fetch(`${web.url}/understanding-ownership`); // not rendered before
  assert.equal(response.status, 200);
  const read = await until(
    () =>
      spans
        .slice(seen)
        .find((s) => s.service === 'quire-engine' && /GetPost/.test(s.name) && spans.some((c) => c.service === 'quire-web' && c.spanId === s.parentSpanId)),
    'no engine GetPost span below a web span',
  );
  assert.ok(read.traceId);
});
