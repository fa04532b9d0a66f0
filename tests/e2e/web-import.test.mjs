// WordPress's Theme Unit Test export imported with `quire-engine import
// wordpress` into an empty Quire, then read as a reader would, in headless
// Chromium: titles with entities and other scripts, nested lists, tables,
// blockquotes, captions, code, embeds and the <!--more--> excerpt, as
// WordPress showed them. A second import changes nothing.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { commandOutput } from '../../scripts/lib/processes.mjs';
import { corporaDir } from '../../bench/import.mjs';
import { engineBinary, startEngine } from './engine-process.mjs';
import { startWeb } from './web-process.mjs';
import { CHROMIUM_LAUNCH } from './web-blog.mjs';

const EXPORT = path.join(corporaDir(), 'wordpress', 'themeunittestdata.wordpress.xml');

let engine;
let web;
let browser;
let page;
let firstReport;

const importExport = () => commandOutput([engineBinary(), 'import', 'wordpress', EXPORT], { env: { ...process.env, DATABASE_URL: engine.databaseUrl, QUIRE_LOG: 'warn' } });

before(async () => {
  engine = await startEngine();
  firstReport = await importExport();
  const apiKey = await engine.createKey(['content:read', 'comments:create']);
  web = await startWeb({ engineUrl: engine.url, apiKey });
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  page = await browser.newPage();
});

after(async () => {
  await browser?.close();
  await web?.stop();
  await engine?.stop();
});

const url = (route) => `${web.url}${route}`;

async function open(route) {
  const response = await page.goto(url(route));
  assert.equal(response.status(), 200, `${route} answered ${response.status()}`);
  return page.locator('main article').first();
}

test('the import reports what it made and left out', () => {
  assert.match(firstReport, /^created: 2 authors, 26 comments, 21 pages, 58 posts$/m);
  assert.match(firstReport, /^left out: 37 attachments/m);
  assert.match(firstReport, /^refused: 0$/m);
});

test('titles keep their characters, in any script', async () => {
  await open('/title-with-special-characters');
  assert.equal(await page.locator('h1').first().innerText(), 'Markup: Title With Special Characters ~`!@#$%^&*()-_=+{}[]/\\;:\'"?,.>');
  await open('/greek');
  assert.equal(await page.locator('h1').first().innerText(), 'Ελληνικά-Greek');
});

test('nested lists, tables, blockquotes, code and addresses render as WordPress showed them', async () => {
  const article = await open('/markup-html-tags-and-formatting');
  assert.ok((await article.locator('ul ul li, ol ol li, ul ol li, ol ul li').count()) > 0, 'no nested list');
  assert.ok((await article.locator('table td').count()) > 0, 'no table');
  assert.ok((await article.locator('blockquote').count()) > 0, 'no blockquote');
  assert.ok((await article.locator('pre, code').count()) > 0, 'no code');
  // An address keeps its own lines, not run into the heading after it.
  const address = article.locator('address').first();
  assert.match(await address.innerText(), /1 Infinite Loop\s*\n\s*Cupertino/);
  const nested = await open('/edge-case-nested-and-mixed-lists');
  assert.ok((await nested.locator('ol ul ol li, ul ol ul li').count()) > 0, 'the mixed lists lost their nesting');
});

test('captions become figures, and embeds links to what they showed', async () => {
  const article = await open('/post-format-image-caption');
  assert.ok((await article.locator('figure figcaption').count()) > 0, 'the [caption] shortcode did not become a figure');
  assert.doesNotMatch(await article.innerText(), /\[caption/);
  const embeds = await open('/blocks-embeds');
  const links = await embeds.locator('a[href*="youtube.com"], a[href*="vimeo.com"], a[href*="twitter.com"]').count();
  assert.ok(links > 0, 'the embeds left nothing to follow');
});

test('the <!--more--> marker ends the excerpt on listings, and the post shows all of it', async () => {
  const article = await open('/template-more-tag');
  assert.match(await article.innerText(), /And this content is after the more tag/);
  // Its tag "read more" (a WordPress tag) lists it with its excerpt.
  await open('/tag/read-more');
  const excerpt = await page.locator('main article', { hasText: 'Template: More Tag' }).first().innerText();
  assert.match(excerpt, /themes showing excerpts\./);
  assert.doesNotMatch(excerpt, /after the more tag/);
});

test('a second import of the same export changes nothing', async () => {
  const again = await importExport();
  assert.match(again, /^created: nothing$/m);
  assert.match(again, /^unchanged \(imported before\): 79$/m);
});
