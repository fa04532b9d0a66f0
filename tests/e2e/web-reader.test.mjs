// The reader site against the real engine on real PostgreSQL, in headless
// Chromium: listings, a post's page, tag and author pages, search, feeds,
// the sitemap, and the statuses of unknown and renamed slugs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { chromium } from 'playwright-core';
import { CHROMIUM_LAUNCH, startBlog } from './web-blog.mjs';
import { SEARCH_WORD } from './web-seed.mjs';

let blog;
let browser;
let page;

before(async () => {
  blog = await startBlog();
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  page = await browser.newPage();
});

after(async () => {
  await browser?.close();
  await blog?.stop();
});

const url = (path) => `${blog.web.url}${path}`;

/** The titles of the posts a listing page shows, in order. */
async function listedTitles(path) {
  const response = await page.goto(url(path));
  assert.equal(response.status(), 200, `${path} answered ${response.status()}`);
  return page.locator('main article h2, main article h3').allTextContents();
}

test('the home page lists the newest published posts, ten to a page', async () => {
  const titles = await listedTitles('/');

  assert.deepEqual(titles.slice(0, 3), ['Understanding ownership in Rust', 'Notes on the Analytical Engine', 'The first compilers']);
  assert.equal(titles.length, 10);
  assert.ok(!titles.includes('An unfinished draft'), 'a draft is listed');
  assert.ok(!titles.includes('About this blog'), 'a standalone page is listed');
  const first = page.locator('main article').first();
  assert.match(await first.innerText(), /Ada Lovelace/);
  assert.match(await first.innerText(), /1 min read/);
  assert.equal(await first.locator('time').getAttribute('datetime'), timestampDate(blog.seeded.posts.rust.publishTime).toISOString());
  assert.deepEqual(await first.getByRole('list', { name: 'Tags' }).getByRole('link').allTextContents(), ['#Rust', '#Compilers']);

  await page.getByRole('link', { name: 'Older posts →' }).click();
  await page.waitForURL(url('/page/2'));
  await page.getByRole('heading', { name: 'Field note 3' }).waitFor();
  const older = await page.locator('main article h2').allTextContents();
  assert.deepEqual(older, ['Field note 3', 'Field note 2', 'Field note 1']);
});

test('a post’s page shows its rendered HTML, table of contents, author, tags, neighbours and comments', async () => {
  const response = await page.goto(url('/understanding-ownership'));
  assert.equal(response.status(), 200);

  assert.equal(await page.locator('h1').innerText(), 'Understanding ownership in Rust');
  assert.equal(await page.title(), 'Understanding ownership in Rust · Quire');
  // The engine's highlighted code, as is.
  assert.equal(await page.locator('pre.syntax-highlighting code.language-rust .hl-entity.hl-name.hl-function').first().innerText(), 'longest');
  const toc = page.getByRole('navigation', { name: 'On this page' });
  assert.deepEqual(await toc.getByRole('link').allTextContents(), ['The borrow checker', 'Lifetimes', 'Elision', 'What to read next']);
  assert.equal(await toc.getByRole('link', { name: 'Lifetimes' }).getAttribute('href'), '#lifetimes');
  assert.equal(await page.locator('h2#lifetimes').count(), 1);

  const cover = page.locator('main img[fetchpriority="high"]');
  assert.equal(await cover.getAttribute('alt'), 'Layered hills at dusk under a wide sky');
  assert.match(await page.getByRole('complementary', { name: /About the author/ }).innerText(), /Writes about engines/);
  assert.equal(await page.getByRole('link', { name: /Previous post/ }).getAttribute('href'), '/analytical-engine');

  // Approved comments only, bodies escaped.
  const comments = page.locator('article[aria-label^="Comment by"]');
  assert.equal(await comments.count(), 2);
  assert.match(await comments.nth(1).innerText(), /<script>alert\(1\)<\/script>/);
  assert.doesNotMatch(await page.content(), /Pending and never shown/);
  assert.equal(await page.locator('form input[name="postId"]').inputValue(), blog.seeded.posts.rust.id);

  // Search engines and social cards.
  const meta = async (selector) => page.locator(selector).getAttribute('content');
  assert.equal(await page.locator('link[rel="canonical"]').getAttribute('href'), url('/understanding-ownership'));
  assert.equal(await meta('meta[name="description"]'), 'How Rust keeps memory safe without a garbage collector: owners, borrows and lifetimes.');
  assert.equal(await meta('meta[property="og:type"]'), 'article');
  assert.equal(await meta('meta[property="og:image"]'), url('/samples/cover.jpg'));
  assert.equal(await meta('meta[name="twitter:card"]'), 'summary_large_image');
  const jsonLd = JSON.parse(await page.locator('script[type="application/ld+json"]').textContent());
  assert.equal(jsonLd['@type'], 'BlogPosting');
  assert.equal(jsonLd.headline, 'Understanding ownership in Rust');
  assert.equal(jsonLd.author.name, 'Ada Lovelace');
});

test('a post without a cover gets a generated Open Graph image', async () => {
  await page.goto(url('/first-compilers'));
  const image = await page.locator('meta[property="og:image"]').getAttribute('content');
  assert.equal(image, url('/og/first-compilers'));

  const response = await fetch(image);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'image/png');
  const bytes = new Uint8Array(await response.arrayBuffer());
  assert.deepEqual([...bytes.subarray(1, 4)], [...Buffer.from('PNG')]);
});

test('tag and author pages list only their posts', async () => {
  assert.deepEqual(await listedTitles('/tag/compilers'), ['Understanding ownership in Rust', 'The first compilers']);
  assert.equal(await page.locator('h1').innerText(), 'Compilers');
  assert.deepEqual(await listedTitles('/tag/history'), ['Notes on the Analytical Engine', 'The first compilers']);

  const grace = await listedTitles('/author/grace');
  assert.equal(grace[0], 'The first compilers');
  assert.equal(grace.length, 6);
  assert.ok(!grace.includes('Understanding ownership in Rust'));
  assert.match(await page.locator('main header').innerText(), /Compilers, COBOL and nanoseconds\./);

  // Ten notes fill one page: there is no second, and the first has only the /tag/notes form.
  assert.equal((await listedTitles('/tag/notes')).length, 10);
  assert.equal(await page.getByRole('link', { name: 'Older posts →' }).count(), 0);
  assert.equal((await fetch(url('/tag/notes/page/2'))).status, 404);
  const redirected = await fetch(url('/tag/notes/page/1'), { redirect: 'manual' });
  assert.equal(redirected.status, 308);
  assert.equal(redirected.headers.get('location'), '/tag/notes');
});

test('search finds a post by a word in its body and highlights it', async () => {
  await page.goto(url('/'));
  await page.getByRole('link', { name: 'Search' }).click();
  await page.getByRole('searchbox', { name: 'Search posts' }).fill(SEARCH_WORD);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(url(`/search?q=${SEARCH_WORD}`));

  // The results stream in after the page's static shell.
  const results = page.locator('main ol li');
  await results.first().waitFor();
  assert.equal(await results.count(), 1);
  assert.equal(await results.locator('h3').innerText(), 'The first compilers');
  assert.equal(await results.locator('mark').innerText(), SEARCH_WORD);
  assert.match(await page.getByRole('status').first().innerText(), /1 post matches/);

  await page.goto(url('/search?q=nothingmatchesthis'));
  await page.getByText('No posts match').waitFor();
  assert.match(await page.getByRole('status').first().innerText(), /No posts match/);
});

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });

async function fetchXml(path, contentType) {
  const response = await fetch(url(path));
  assert.equal(response.status, 200, `${path} answered ${response.status}`);
  assert.match(response.headers.get('content-type'), contentType);
  const text = await response.text();
  assert.equal(XMLValidator.validate(text), true, `${path} is not well-formed XML`);
  return xml.parse(text);
}

test('the RSS, Atom and JSON feeds list the newest posts, site-wide and per tag', async () => {
  const rss = await fetchXml('/feed/rss.xml', /application\/rss\+xml/);
  const items = rss.rss.channel.item;
  assert.equal(items.length, 13);
  assert.equal(items[0].title, 'Understanding ownership in Rust');
  assert.equal(items[0].link, url('/understanding-ownership'));
  assert.match(items[0]['content:encoded'], /<pre class="syntax-highlighting">/);
  assert.ok(!items.some((item) => item.title === 'An unfinished draft'));

  const atom = await fetchXml('/feed/atom.xml', /application\/atom\+xml/);
  assert.equal(atom.feed.entry.length, 13);
  assert.equal(atom.feed.entry[1].link['@href'], url('/analytical-engine'));

  const json = await (await fetch(url('/feed/feed.json'))).json();
  assert.equal(json.version, 'https://jsonfeed.org/version/1.1');
  assert.equal(json.items.length, 13);
  assert.equal(json.items[2].url, url('/first-compilers'));

  const rustFeed = await fetchXml('/tag/rust/feed/rss.xml', /application\/rss\+xml/);
  const rustItems = [rustFeed.rss.channel.item].flat();
  assert.deepEqual(rustItems.map((item) => item.title), ['Understanding ownership in Rust']);
  const historyAtom = await fetchXml('/tag/history/feed/atom.xml', /application\/atom\+xml/);
  assert.equal(historyAtom.feed.entry.length, 2);
  assert.equal((await fetch(url('/tag/no-such-tag/feed/rss.xml'))).status, 404);

  // Feed readers find them from any page.
  await page.goto(url('/'));
  assert.equal(await page.locator('link[rel="alternate"][type="application/rss+xml"]').getAttribute('href'), url('/feed/rss.xml'));
});

test('the sitemap index lists files that list every post, page, tag and author once, and robots.txt points to it', async () => {
  const index = await fetchXml('/sitemap.xml', /application\/xml/);
  const files = [index.sitemapindex.sitemap].flat().map((entry) => entry.loc);
  assert.deepEqual(files, ['/sitemaps/site.xml', '/sitemaps/posts-1.xml', '/sitemaps/pages-1.xml'].map(url));
  const locations = [];
  for (const file of files) {
    const sitemap = await fetchXml(new URL(file).pathname, /application\/xml/);
    locations.push(...[sitemap.urlset.url].flat().map((entry) => entry.loc));
  }
  assert.equal(new Set(locations).size, locations.length, 'a URL is listed twice');
  for (const path of ['/', '/understanding-ownership', '/analytical-engine', '/note-1', '/about', '/tag/rust', '/author/grace']) {
    assert.ok(locations.includes(url(path)), `sitemap lacks ${path}`);
  }
  assert.ok(!locations.includes(url('/unfinished')), 'the sitemap lists a draft');
  assert.ok(!locations.includes(url('/analytical-engine-draft-title')), 'the sitemap lists an old slug');

  // Files past the last one, and names that are not files, do not exist.
  for (const path of ['/sitemaps/posts-2.xml', '/sitemaps/pages-2.xml', '/sitemaps/all.xml', '/sitemaps/posts-0.xml']) {
    assert.equal((await fetch(url(path))).status, 404, path);
  }

  const robots = await (await fetch(url('/robots.txt'))).text();
  assert.match(robots, new RegExp(`Sitemap: ${url('/sitemap.xml')}`));
});

test('an unknown slug answers a real 404, with the not-found page', async () => {
  for (const path of ['/no-such-post', '/no-such-post', '/Not_A_Slug', '/tag/no-such-tag', '/author/nobody', '/page/99', '/unfinished']) {
    const response = await page.goto(url(path));
    assert.equal(response.status(), 404, `${path} answered ${response.status()}`);
  }
  assert.equal(await page.locator('h1').innerText(), 'Page not found');
  assert.equal(await page.locator('meta[name="robots"]').getAttribute('content'), 'noindex');
});

test('a post’s earlier slug answers a permanent redirect to its current URL', async () => {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const response = await fetch(url(`/${blog.seeded.renamedFrom}`), { redirect: 'manual' });
    assert.equal(response.status, 308);
    // Next.js 16.4 repeats the Location header on the response that renders a
    // redirect (the first request); fetch joins the copies with ", ".
    const locations = new Set(response.headers.get('location').split(', '));
    assert.deepEqual([...locations], ['/analytical-engine']);
  }
  const response = await page.goto(url(`/${blog.seeded.renamedFrom}`));
  assert.equal(response.status(), 200);
  assert.equal(page.url(), url('/analytical-engine'));
  assert.equal(await page.locator('h1').innerText(), 'Notes on the Analytical Engine');
});

test('a standalone page shows its content without the blog’s chronology', async () => {
  const response = await page.goto(url('/about'));
  assert.equal(response.status(), 200);
  assert.equal(await page.locator('h1').innerText(), 'About this blog');
  assert.equal(await page.locator('form').count(), 0);
});

test('a post holds any content: long words wrap, wide tables scroll in their box, right-to-left text runs right to left', async () => {
  const longWord = 'Supercalifragilisticexpialidocious'.repeat(5);
  const columns = Array.from({ length: 24 }, (_, i) => `column ${i}`);
  const markdown = [
    `A paragraph with ${longWord} in it.`,
    `| ${columns.join(' | ')} |\n|${columns.map(() => '---').join('|')}|\n| ${columns.map((c) => `${c} value`).join(' | ')} |`,
    'שלום עולם, זוהי פסקה בעברית.',
  ].join('\n\n');
  const { admin, authors } = blog.seeded;
  const { post: created } = await admin.posts.createPost({ post: { slug: 'any-content', title: longWord, markdown, authorId: authors.ada.id } });
  await admin.posts.publishPost({ id: created.id });
  const { post: hebrew } = await admin.posts.createPost({ post: { slug: 'hebrew-title', title: 'כותרת בעברית', markdown: 'טקסט.', authorId: authors.ada.id } });
  await admin.posts.publishPost({ id: hebrew.id });
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    await page.setViewportSize(viewport);
    const response = await page.goto(url('/any-content'));
    assert.equal(response.status(), 200);
    const layout = await page.evaluate(() => {
      const table = document.querySelector('main table');
      return {
        pageWidth: document.documentElement.scrollWidth,
        tableScrolls: table ? table.scrollWidth > table.clientWidth : null,
      };
    });
    assert.ok(layout.pageWidth <= viewport.width, `at ${viewport.width} px the page is ${layout.pageWidth} px wide`);
    assert.equal(layout.tableScrolls, true, 'the table scrolls inside its own box');
    const rtlParagraph = page.locator('main .prose p', { hasText: 'שלום' });
    assert.equal(await rtlParagraph.evaluate((p) => getComputedStyle(p).unicodeBidi), 'plaintext');
  }
  await page.goto(url('/hebrew-title'));
  assert.equal(await page.locator('main h1').evaluate((h1) => h1.matches(':dir(rtl)')), true, 'a Hebrew title runs right to left');
  await page.setViewportSize({ width: 1280, height: 720 });
});
