// The XSS corpus (issue 13, the security suite): some 140 hostile payloads —
// script tags, event handlers on many elements, javascript:/data:/vbscript:
// URLs plain and obfuscated, SVG and MathML, mutation-XSS classics, CSS
// expressions, frames, objects, forms, <base> and meta refresh, Markdown's own
// link, image, autolink and raw-HTML forms, attribute breakouts — written
// through the engine's API into every field a reader or an editor sees: post
// bodies, titles, SEO fields, cover images, tag names and descriptions, author
// names, bios and links, comment bodies and commenters' names, and search
// queries. Every page that shows them is then loaded in headless Chromium
// under the site's CSP, with alert/confirm/prompt/print and `window.__xss`
// trapped and a dialog listener, and each page (and frame) is checked: no trap
// fired, no dialog opened, no script ran (an eval blocked by the CSP would
// mean one did), no `javascript:` URL, inline event handler, frame, object or
// <base> in the DOM. CSP violations that blocked something are recorded and
// printed, not failures. The feeds are checked as XML/JSON, and the HTML they
// carry is rendered in Chromium with the same traps and no CSP at all.
//
// Every payload calls alert/__xss with a token naming the field and the
// payload (`xb12`: body, payload 12), so a failure says exactly what ran where.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { chromium } from 'playwright-core';
import { CHROMIUM_LAUNCH, startBlog } from './web-blog.mjs';
import { AuthorRole, CommentStatus, PostStatus } from './web-engine-client.mjs';

/** Replaced by each payload's token. */
const ID = 'XSSID';

/**
 * The corpus: HTML and Markdown that would run `alert('<token>')` (or
 * `__xss`) if any of it reached a browser as markup.
 */
const CORPUS = [
  // Script elements.
  `<script>alert('${ID}')</script>`,
  `<SCRIPT>alert('${ID}')</SCRIPT>`,
  `<script type="text/javascript">__xss('${ID}')</script>`,
  `<script src="data:text/javascript,alert('${ID}')"></script>`,
  `<script>/*</script><script>*/alert('${ID}')</script>`,
  `<<script>script>alert('${ID}')<</script>/script>`,
  `<scr<script>ipt>alert('${ID}')</scr</script>ipt>`,
  `"><script>alert('${ID}')</script>`,
  `'><script>alert('${ID}')</script>`,
  `</title><script>alert('${ID}')</script>`,
  `</script><script>alert('${ID}')</script>`,
  `</textarea><script>alert('${ID}')</script>`,
  `</style><script>alert('${ID}')</script>`,
  `<script\n>alert('${ID}')</script\n>`,
  // Event handlers, on many elements.
  `<img src=x onerror=alert('${ID}')>`,
  `<img src="x" onerror="__xss('${ID}')">`,
  `<IMG SRC=x OnErRoR=alert('${ID}')>`,
  `<img src=x onerror=&#97;&#108;&#101;&#114;&#116;('${ID}')>`,
  `<img src="x"/onerror="alert('${ID}')">`,
  `<img\tsrc=x\tonerror=alert('${ID}')>`,
  `<img\nsrc=x\nonerror=alert('${ID}')>`,
  `<image src=x onerror=alert('${ID}')>`,
  `<svg onload=alert('${ID}')>`,
  `<svg/onload=alert('${ID}')>`,
  `<body onload=alert('${ID}')>`,
  `<body onpageshow=alert('${ID}')>`,
  `<iframe onload=alert('${ID}')></iframe>`,
  `<input autofocus onfocus=alert('${ID}')>`,
  `<select autofocus onfocus=alert('${ID}')></select>`,
  `<textarea autofocus onfocus=alert('${ID}')></textarea>`,
  `<keygen autofocus onfocus=alert('${ID}')>`,
  `<video><source onerror=alert('${ID}')></video>`,
  `<video src=x onerror=alert('${ID}')></video>`,
  `<audio src=x onerror=alert('${ID}')></audio>`,
  `<details open ontoggle=alert('${ID}')><summary>x</summary></details>`,
  `<marquee onstart=alert('${ID}')>x</marquee>`,
  `<div onmouseover=alert('${ID}')>hover me</div>`,
  `<a onmouseover=alert('${ID}') href="#">hover me</a>`,
  `<p onclick=alert('${ID}')>click me</p>`,
  `<object data=x onerror=alert('${ID}')></object>`,
  `<link rel=stylesheet href=x onerror=alert('${ID}')>`,
  `<style onload=alert('${ID}')></style>`,
  `<style>@keyframes k{}</style><div style="animation-name:k" onanimationstart="alert('${ID}')"></div>`,
  `<input type=image src=x onerror=alert('${ID}')>`,
  `<isindex type=image src=1 onerror=alert('${ID}')>`,
  `<x-custom onclick=alert('${ID}')>click me</x-custom>`,
  `<math><mtext><img src=x onerror=alert('${ID}')></mtext></math>`,
  `<table><tr><td onmouseover=alert('${ID}')>cell</td></tr></table>`,
  `<a href="https://example.com" onclick="alert('${ID}')">x</a>`,
  `<form><button formaction="javascript:alert('${ID}')">x</button></form>`,
  // javascript:, data: and vbscript: URLs, plain and obfuscated.
  `<a href="javascript:alert('${ID}')">link</a>`,
  `<a href="JaVaScRiPt:alert('${ID}')">link</a>`,
  `<a href=" javascript:alert('${ID}')">link</a>`,
  `<a href="java&#x09;script:alert('${ID}')">link</a>`,
  `<a href="java&#10;script:alert('${ID}')">link</a>`,
  `<a href="&#1;javascript:alert('${ID}')">link</a>`,
  `<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert('${ID}')">link</a>`,
  `<a href="&#x6A;avascript&colon;alert('${ID}')">link</a>`,
  `<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert('${ID}')">link</a>`,
  `<a href="javascript&colon;alert('${ID}')">link</a>`,
  `<a href="javascript://%0aalert('${ID}')">link</a>`,
  `<a href="vbscript:msgbox('${ID}')">link</a>`,
  `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">link</a>`,
  `<a href="data:text/html,<script>alert('${ID}')</script>">link</a>`,
  `<img src="javascript:alert('${ID}')">`,
  `<img src="data:image/svg+xml,<svg onload=alert('${ID}')>">`,
  `<area href="javascript:alert('${ID}')">`,
  `<table background="javascript:alert('${ID}')"><tr><td>x</td></tr></table>`,
  `<blockquote cite="javascript:alert('${ID}')">q</blockquote>`,
  `<video poster="javascript:alert('${ID}')"></video>`,
  // Frames, objects, forms, <base>, meta refresh, srcdoc.
  `<iframe src="javascript:alert('${ID}')"></iframe>`,
  `<iframe src="data:text/html,<script>alert('${ID}')</script>"></iframe>`,
  `<iframe srcdoc="<script>alert('${ID}')</script>"></iframe>`,
  `<iframe srcdoc="&lt;img src=x onerror=alert('${ID}')&gt;"></iframe>`,
  `<frameset onload=alert('${ID}')><frame src="javascript:alert('${ID}')"></frameset>`,
  `<object data="javascript:alert('${ID}')"></object>`,
  `<object data="data:text/html,<script>alert('${ID}')</script>"></object>`,
  `<embed src="javascript:alert('${ID}')">`,
  `<embed src="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>">`,
  `<form action="javascript:alert('${ID}')"><input type=submit value=go></form>`,
  `<base href="javascript:alert('${ID}')//">`,
  `<meta http-equiv="refresh" content="0;url=javascript:alert('${ID}')">`,
  `<meta http-equiv="refresh" content="0;url=data:text/html,<script>alert('${ID}')</script>">`,
  // SVG and MathML.
  `<svg><script>alert('${ID}')</script></svg>`,
  `<svg><script href="data:text/javascript,alert('${ID}')"></script></svg>`,
  `<svg><animate onbegin=alert('${ID}') attributeName=x dur=1s></svg>`,
  `<svg><a><animate attributeName=href values="javascript:alert('${ID}')"/><text y=20>click</text></a></svg>`,
  `<svg><set attributeName=onmouseover to="alert('${ID}')"/></svg>`,
  `<svg><a xlink:href="javascript:alert('${ID}')"><text x=20 y=20>click</text></a></svg>`,
  `<svg><foreignObject><img src=x onerror=alert('${ID}')></foreignObject></svg>`,
  `<svg><image href=x onerror=alert('${ID}')></svg>`,
  `<svg><style><img src=x onerror=alert('${ID}')></style></svg>`,
  `<math href="javascript:alert('${ID}')">click</math>`,
  `<math><maction actiontype=statusline xlink:href="javascript:alert('${ID}')">click</maction></math>`,
  `<math><mi xlink:href="data:x,<script>alert('${ID}')</script>">x</mi></math>`,
  // Mutation XSS: parser differentials between the sanitiser and the browser.
  `<noscript><p title="</noscript><img src=x onerror=alert('${ID}')>"></noscript>`,
  `<noscript><style></noscript><img src=x onerror=alert('${ID}')>`,
  `<style><img src=x onerror=alert('${ID}')></style>`,
  `<textarea><img src=x onerror=alert('${ID}')></textarea>`,
  `<template><img src=x onerror=alert('${ID}')></template>`,
  `<title><img src=x onerror=alert('${ID}')></title>`,
  `<xmp><img src=x onerror=alert('${ID}')></xmp>`,
  `<noembed><img src=x onerror=alert('${ID}')></noembed>`,
  `<noframes><img src=x onerror=alert('${ID}')></noframes>`,
  `<iframe><img src=x onerror=alert('${ID}')></iframe>`,
  `<svg></p><style><a id="</style><img src=1 onerror=alert('${ID}')>">`,
  `<svg><p><style><a id="</style><img src=1 onerror=alert('${ID}')>">`,
  `<math><mtext><table><mglyph><style><img src=x onerror=alert('${ID}')>`,
  `<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert('${ID}')>`,
  `<math><mtext><table><mglyph><svg><mtext><style><path id="</style><img onerror=alert('${ID}') src>">`,
  `<svg><![CDATA[><image xlink:href="]]><img src=x onerror=alert('${ID}')//"></svg>`,
  `<!--<img src="--><img src=x onerror=alert('${ID}')//">`,
  `<a title="&quot;><img src=x onerror=alert('${ID}')>">x</a>`,
  `<select><template><img src=x onerror=alert('${ID}')></template></select>`,
  `<table><caption><svg><style><img src=x onerror=alert('${ID}')></style></svg></caption></table>`,
  `<div id="</div><img src=x onerror=alert('${ID}')>">x</div>`,
  `<listing>&lt;img src=x onerror=alert('${ID}')&gt;</listing>`,
  `<plaintext><img src=x onerror=alert('${ID}')>`,
  // CSS: expressions, javascript: in url(), bindings.
  `<div style="background:url(javascript:alert('${ID}'))">x</div>`,
  `<div style="width: expression(alert('${ID}'))">x</div>`,
  `<style>@import 'javascript:alert("${ID}")';</style>`,
  `<style>body{background:url("javascript:alert('${ID}')")}</style>`,
  `<div style="behavior: url(xss.htc); -moz-binding: url(https://example.com/xss.xml#${ID})">x</div>`,
  `<link rel=stylesheet href="javascript:alert('${ID}')">`,
  // Markdown's own forms.
  `[link](javascript:alert('${ID}'))`,
  `[link](JAVASCRIPT:alert('${ID}'))`,
  `[link](javascript&#58;alert('${ID}'))`,
  `[link](<javascript:alert('${ID}')>)`,
  `[link](jav&#x09;ascript:alert('${ID}'))`,
  `[link](vbscript:msgbox('${ID}'))`,
  `[link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
  `![image](javascript:alert('${ID}'))`,
  `![image](x" onerror="alert('${ID}'))`,
  `![" onerror="alert('${ID}')](https://example.com/a.png)`,
  `[link](https://example.com "title\\" onmouseover=\\"alert('${ID}')")`,
  `[link](https://example.com 'a" onclick="alert(\`${ID}\`)')`,
  `<javascript:alert('${ID}')>`,
  `<vbscript:msgbox('${ID}')>`,
  `<http://example.com/"onmouseover="alert('${ID}')">`,
  `www.example.com/"onmouseover="alert('${ID}')"`,
  `[ref-${ID}]\n\n[ref-${ID}]: javascript:alert('${ID}')`,
  `[<img src=x onerror=alert('${ID}')>](https://example.com)`,
  `## <img src=x onerror=alert('${ID}')>`,
  `## Heading {#x onclick=alert('${ID}')}`,
  '```" onmouseover="alert(\'' + ID + '\')\ncode\n```',
  '```<img src=x onerror=alert(\'' + ID + '\')>\ncode\n```',
  `| <img src=x onerror=alert('${ID}')> |\n|---|\n| cell |`,
  `Footnote[^f${ID}]\n\n[^f${ID}]: <img src=x onerror=alert('${ID}')>`,
  `<div>\n<img src=x onerror=alert('${ID}')>\n</div>`,
  `<div markdown="1">[link](javascript:alert('${ID}'))</div>`,
  `<details><summary>open</summary>\n\n<img src=x onerror=alert('${ID}')>\n\n</details>`,
  `- [ ] <img src=x onerror=alert('${ID}')>`,
  `> <script>alert('${ID}')</script>`,
  // Template and script-context injections, for fields that end up in JSON or attributes.
  `{{constructor.constructor('alert("${ID}")')()}}`,
  `\${alert('${ID}')}`,
  `';alert('${ID}');//`,
  `\\";alert('${ID}');//`,
  `\u2028\u2029alert('${ID}')`,
];

/** URLs for the fields the engine checks as http(s) URLs; it refuses most, and what it accepts must stay inert. */
const URL_PAYLOADS = [
  `javascript:alert('${ID}')`,
  `JaVaScRiPt:alert('${ID}')`,
  ` javascript:alert('${ID}')`,
  `data:text/html,<script>alert('${ID}')</script>`,
  `vbscript:msgbox('${ID}')`,
  `https://example.com/"><script>alert('${ID}')</script>`,
  `https://example.com/'onmouseover='alert(\`${ID}\`)'`,
  `https://example.com/#'-alert('${ID}')-'`,
  `https://example.com/?q=');alert('${ID}');//`,
  `http://javascript:alert('${ID}')`,
  `https:javascript:alert('${ID}')`,
  `https://example.com/%22%3E%3Cscript%3Ealert('${ID}')%3C/script%3E`,
  `https://example.com/\`-alert('${ID}')-\``,
  `https://example.com/x.png?\\u0022onerror=alert('${ID}')`,
];

/** What each field (its token prefix) is, for failure messages. */
const FIELDS = {
  b: 'post Markdown body',
  t: 'post title',
  mt: 'SEO meta title',
  md: 'SEO meta description',
  cu: 'SEO canonical URL',
  ci: 'cover image URL',
  ca: 'cover image alt text',
  tg: 'tag name',
  td: 'tag description',
  an: 'author display name',
  ab: 'author bio',
  aw: 'author website URL',
  av: 'author avatar URL',
  cb: 'comment body',
  cn: 'commenter name',
  cp: 'pending comment body',
  pt: 'post body as text (code span or escaped: the excerpt, plain text and search snippet)',
  sq: 'search query',
};

/** Every token handed out: token → where it went and what it was. */
const TOKENS = new Map();

/** `template` with its token for `field` and payload `index`. */
function payload(field, index, template) {
  const token = `x${field}${index}`;
  TOKENS.set(token, { field: FIELDS[field], payload: template.replaceAll(ID, token) });
  return template.replaceAll(ID, token);
}

const BODY_POSTS = 10;
const POSTS_URL = (slug) => `/${slug}`;
const CORPUS_TAG = 'XSS corpus';
const SEARCH_WORD = 'quixotic';
const PASSWORD = 'a long enough password';

let blog;
let browser;
/** What was written where, and what the engine refused (a refusal is safe, and reported). */
const written = { posts: [], plainText: null, draft: null, tags: [], authors: [], comments: 0, pending: 0, refused: [] };

/** `write()`, or the refusal it answered (recorded) when the engine refuses the value. */
async function attempt(what, write) {
  try {
    return await write();
  } catch (error) {
    written.refused.push(`${what}: ${error.rawMessage ?? error.message}`);
    return undefined;
  }
}

/** Fields of one line (a name, a title): the engine keeps their text as typed, newlines aside. */
const SINGLE_LINE = new Set(['t', 'mt', 'ca', 'tg', 'an', 'cn']);

/** The text payloads that fit a field of `max` characters, starting at `offset`, cycling. */
function textPayloads(field, max, count, offset = 0) {
  const chosen = [];
  for (let step = 0; chosen.length < count && step < CORPUS.length * 4; step += 1) {
    const index = (offset + step) % CORPUS.length;
    const template = CORPUS[index];
    if (template.replaceAll(ID, `x${field}000`).length > max || (SINGLE_LINE.has(field) && /[\n\t]/.test(template))) continue;
    chosen.push(payload(field, index, template));
  }
  return chosen;
}

async function seedCorpus() {
  const { admin } = blog.seeded;

  // Authors whose every profile field is hostile.
  for (let index = 0; index < 4; index += 1) {
    const [displayName] = textPayloads('an', 100, 1, 7 + index * 11);
    const [bio] = textPayloads('ab', 1000, 1, 13 + index * 17);
    const { author } = await admin.authors.createAuthor({
      author: { slug: `xss-author-${index}`, displayName, email: `xss-${index}@example.com`, bio, role: AuthorRole.AUTHOR },
      password: PASSWORD,
    });
    for (const [field, mask, offset] of [
      ['aw', 'website_url', index * 2],
      ['av', 'avatar_url', index * 2 + 5],
    ]) {
      for (let step = 0; step < 3; step += 1) {
        const position = (offset + step) % URL_PAYLOADS.length;
        const value = payload(field, position, URL_PAYLOADS[position]);
        await attempt(`${FIELDS[field]} ${JSON.stringify(value)}`, () =>
          admin.authors.updateAuthor({
            author: { id: author.id, [mask === 'website_url' ? 'websiteUrl' : 'avatarUrl']: value },
            updateMask: { paths: [mask] },
          }),
        );
      }
    }
    written.authors.push(author);
  }

  // The body posts: the whole corpus in their Markdown, in block and inline
  // position, and hostile titles, SEO fields, cover images and tags.
  const perPost = Math.ceil(CORPUS.length / BODY_POSTS);
  const titles = textPayloads('t', 200, BODY_POSTS, 0);
  const metaTitles = textPayloads('mt', 200, BODY_POSTS, 3);
  const descriptions = textPayloads('md', 500, BODY_POSTS, 5);
  const alts = textPayloads('ca', 300, BODY_POSTS, 9);
  const tagNames = textPayloads('tg', 60, BODY_POSTS * 2, 0);
  for (let index = 0; index < BODY_POSTS; index += 1) {
    const chunk = CORPUS.slice(index * perPost, (index + 1) * perPost);
    const blocks = chunk.map((template, offset) => {
      const text = payload('b', index * perPost + offset, template);
      return `${text}\n\nInline: before ${text} after.`;
    });
    const { post } = await admin.posts.createPost({
      post: {
        slug: `xss-${index}`,
        title: titles[index],
        markdown: blocks.join('\n\n'),
        authorId: written.authors[index % written.authors.length].id,
        tags: [{ name: CORPUS_TAG }, { name: tagNames[index * 2] }, { name: tagNames[index * 2 + 1] }],
        coverImageAlt: alts[index],
        seo: { metaTitle: metaTitles[index], metaDescription: descriptions[index] },
      },
      status: PostStatus.PUBLISHED,
    });
    for (const [field, mask, key, position] of [
      ['cu', 'seo.canonical_url', 'canonicalUrl', index % URL_PAYLOADS.length],
      ['ci', 'cover_image_url', 'coverImageUrl', (index + 4) % URL_PAYLOADS.length],
    ]) {
      const value = payload(field, position, URL_PAYLOADS[position]);
      const values = key === 'canonicalUrl' ? { seo: { canonicalUrl: value } } : { coverImageUrl: value };
      await attempt(`${FIELDS[field]} ${JSON.stringify(value)}`, () =>
        admin.posts.updatePost({ post: { id: post.id, ...values }, updateMask: { paths: [mask] } }),
      );
    }
    written.posts.push(post);
  }

  // Markup as text: in code spans and escaped, so the plain text, the excerpt
  // (no meta description here) and the search snippets hold it raw.
  const plain = (number, template) => payload('pt', number, template);
  const { post: plainText } = await admin.posts.createPost({
    post: {
      slug: 'xss-plain-text',
      title: 'Markup as text',
      markdown: [
        `${SEARCH_WORD} \`${plain(1, `<img src=x onerror=alert('${ID}')>`)}\` ${SEARCH_WORD}`,
        `and ${plain(2, `&lt;script&gt;alert('${ID}')&lt;/script&gt;`)} and \`${plain(3, `<script>alert('${ID}')</script>`)}\` ${SEARCH_WORD}.`,
      ].join(' '),
      authorId: blog.seeded.authors.ada.id,
      tags: [{ name: CORPUS_TAG }],
    },
    status: PostStatus.PUBLISHED,
  });
  written.plainText = plainText;

  // Tag descriptions, shown on the tag pages and in their feeds.
  const tagDescriptions = textPayloads('td', 500, BODY_POSTS * 2, 20);
  for (const [index, post] of written.posts.entries()) {
    const [, first, second] = post.tags;
    await admin.tags.updateTag({ tag: { slug: first.slug, description: tagDescriptions[index] }, updateMask: { paths: ['description'] } });
    written.tags.push({ ...first, visited: true }, { ...second, visited: false });
  }

  // Every payload as an approved comment, under hostile names; some left pending for the moderation queue.
  const names = textPayloads('cn', 80, CORPUS.length, 0);
  const approved = CORPUS.map((template, index) => ({ index, post: written.posts[index % written.posts.length] }));
  await inPool(approved, 8, async ({ index, post }) => {
    const { comment } = await admin.comments.createComment({
      comment: { postId: post.id, authorName: names[index], body: payload('cb', index, CORPUS[index]) },
    });
    await admin.comments.moderateComment({ id: comment.id, status: CommentStatus.APPROVED });
    written.comments += 1;
  });
  for (let index = 0; index < CORPUS.length; index += 7) {
    await admin.comments.createComment({
      comment: { postId: written.posts[0].id, authorName: names[index], body: payload('cp', index, CORPUS[index]) },
    });
    written.pending += 1;
  }

  // A draft with the whole corpus, for the editor's live preview and the draft preview.
  const { post: draft } = await admin.posts.createPost({
    post: {
      slug: 'xss-draft',
      title: titles[0],
      markdown: CORPUS.map((template, index) => payload('b', index, template)).join('\n\n'),
      authorId: blog.seeded.authors.ada.id,
    },
  });
  written.draft = draft;
}

/**
 * Installed in every frame before any of its scripts: dialogs and
 * `window.__xss` report to the test. Where the reporting binding is missing
 * the real dialog opens instead, which the dialog listener records.
 */
function installTraps() {
  const report = (kind, args) => {
    const text = args.map((arg) => String(arg)).join(' ');
    if (typeof window.__xssReport === 'function') window.__xssReport(kind, text, String(location.href));
    else originals.alert?.call(window, `${kind}: ${text}`);
  };
  const originals = { alert: window.alert };
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    window[name] = (...args) => {
      report(name, args);
      return name === 'confirm' ? false : undefined;
    };
  }
  window.__xss = (...args) => report('__xss', args);
  document.addEventListener(
    'securitypolicyviolation',
    (event) => {
      window.__cspReport?.(
        JSON.stringify({
          directive: event.effectiveDirective || event.violatedDirective,
          blocked: event.blockedURI,
          sample: event.sample,
          disposition: event.disposition,
          page: String(location.href),
        }),
      );
    },
    true,
  );
}

/** Runs in each frame after loading: every markup-level way a script could run. */
function domProblems() {
  const problems = [];
  const urlAttributes = new Set([
    'href', 'xlink:href', 'src', 'action', 'formaction', 'data', 'poster', 'background', 'cite', 'codebase',
    'longdesc', 'lowsrc', 'dynsrc', 'ping', 'srcset', 'manifest', 'icon', 'archive', 'classid', 'values', 'to', 'from', 'by',
  ]);
  const describe = (element) => `<${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}> in ${element.closest('[aria-label], main, header, footer, head')?.tagName?.toLowerCase() ?? 'document'}`;
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value;
      if (name.startsWith('on')) problems.push(`inline event handler ${name}="${value}" on ${describe(element)}`);
      if (name === 'srcdoc') problems.push(`srcdoc on ${describe(element)}`);
      if (urlAttributes.has(name)) {
        const url = value.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+/, '').toLowerCase();
        // React's own: a form whose action is a function (a Server Action) gets this until it hydrates.
        const reactsSentinel = name === 'action' && element.tagName === 'FORM' && /^javascript:throw new Error\('(A )?React form (was )?unexpectedly submitted\./.test(value);
        if (/^(javascript|vbscript|livescript):/.test(url) && !reactsSentinel) problems.push(`${name}="${value}" on ${describe(element)}`);
        if (url.startsWith('data:') && !(element.tagName === 'IMG' && /^data:image\/(png|jpeg|gif|webp|avif)/.test(url)))
          problems.push(`${name}="${value.slice(0, 80)}" on ${describe(element)}`);
      }
      if (name === 'style' && /expression\s*\(|javascript:|behavior\s*:|-moz-binding/i.test(value))
        problems.push(`style="${value}" on ${describe(element)}`);
      if (name === 'http-equiv' && /refresh/i.test(value)) problems.push(`meta refresh ${element.getAttribute('content')}`);
    }
  }
  for (const element of document.querySelectorAll('iframe, frame, frameset, object, embed, applet, base, portal, meta[http-equiv]'))
    problems.push(`unexpected element ${describe(element)}`);
  for (const script of document.querySelectorAll('script')) {
    const source = script.getAttribute('src');
    const type = (script.getAttribute('type') ?? '').toLowerCase();
    if (source !== null) {
      const url = new URL(source, location.href);
      if (url.origin !== location.origin || !url.pathname.startsWith('/_next/')) problems.push(`script from ${source}`);
    } else if (type === 'application/ld+json') {
      try {
        JSON.parse(script.textContent ?? '');
      } catch {
        problems.push(`JSON-LD that is not JSON: ${script.textContent?.slice(0, 120)}`);
      }
    } else {
      const text = script.textContent ?? '';
      // The app's own inline scripts are Next's (the RSC payload and streaming helpers), whose strings carry the content as data.
      const nexts = /^\s*(\(self\.__next_f|self\.__next_f|\$R[CSX]|requestAnimationFrame|document\.querySelectorAll\(|\(\(|!function)/.test(text);
      if (!nexts && /alert|__xss|msgbox/.test(text)) problems.push(`an inline script that is not the app's: ${text.slice(0, 120)}`);
      if (script.closest('main, article, [data-testid="markdown-preview"], .prose')) problems.push(`a script inside the content: ${text.slice(0, 120)}`);
    }
  }
  return problems;
}

/** Where a token points, for failure messages. */
function explain(text) {
  const tokens = [...new Set(String(text).match(/x[a-z]{1,6}\d+/g) ?? [])].filter((token) => TOKENS.has(token));
  return tokens.map((token) => `${token} = ${TOKENS.get(token).field}: ${JSON.stringify(TOKENS.get(token).payload)}`).join('; ');
}

/** A signed-out or signed-in browser context with the traps, and what they recorded. */
async function trappedContext() {
  const context = await browser.newContext();
  /** What each page was opened for (pages are visited a few at a time). */
  const labels = new WeakMap();
  const record = { fired: [], dialogs: [], violations: [], errors: [], problems: [], timings: [], labels };
  await context.exposeBinding('__xssReport', ({ page }, kind, text, where) =>
    record.fired.push(`${kind}(${text}) on ${labels.get(page)} (${where}) — ${explain(text)}`),
  );
  await context.exposeBinding('__cspReport', ({ page }, json) => record.violations.push({ ...JSON.parse(json), on: labels.get(page) }));
  await context.addInitScript(installTraps);
  // Only the blog itself answers: hostile URLs (example.com images, stylesheets) fail at once rather than reach the network.
  const origin = new URL(blog.web.url).origin;
  await context.route((url) => url.origin !== origin, (route) => route.abort());
  context.on('page', (page) => {
    page.on('dialog', async (dialog) => {
      record.dialogs.push(`${dialog.type()}("${dialog.message()}") on ${labels.get(page)} (${page.url()}) — ${explain(dialog.message())}`);
      await dialog.dismiss().catch(() => {});
    });
    page.on('pageerror', (error) => record.errors.push(`${labels.get(page)}: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) record.violations.push({ console: message.text().slice(0, 300), on: labels.get(page) });
    });
  });
  return { context, record };
}

/** Loads `path` (or runs `open` on a fresh page), lets handlers fire, and checks every frame. */
async function visit(context, record, path, { status = 200, waitFor, open } = {}) {
  const started = Date.now();
  const page = await context.newPage();
  record.labels.set(page, path);
  try {
    if (open) {
      await open(page);
    } else {
      const response = await page.goto(`${blog.web.url}${path}`, { waitUntil: 'load' });
      assert.equal(response.status(), status, `${path} answered ${response.status()}`);
    }
    if (waitFor) await waitFor(page);
    // onerror, onfocus (autofocus), ontoggle and animation handlers fire just after load.
    await page.waitForTimeout(150);
    for (const frame of page.frames()) {
      for (const problem of await frame.evaluate(domProblems).catch((error) => [`could not inspect ${frame.url()}: ${error.message}`]))
        record.problems.push(`${path}: ${problem} — ${explain(problem)}`);
    }
    record.timings.push([Date.now() - started, path]);
    return page;
  } catch (error) {
    await page.close();
    throw error;
  }
}

/** Fails with everything the traps and checks recorded; prints the blocked CSP violations. */
function assertNothingRan(record, t) {
  const slowest = record.timings.sort(([a], [b]) => b - a).slice(0, 5);
  t.diagnostic(`${record.timings.length} pages, the slowest: ${slowest.map(([ms, path]) => `${path} ${ms} ms`).join(', ')}`);
  if (record.violations.length > 0) t.diagnostic(`CSP violations (blocked): ${JSON.stringify(record.violations).slice(0, 2000)}`);
  const tokenErrors = record.errors.filter((error) => /alert|__xss|x[a-z]{1,6}\d+/.test(error));
  if (record.errors.length > tokenErrors.length) t.diagnostic(`page errors: ${record.errors.join(' | ').slice(0, 1000)}`);
  const evalBlocked = record.violations.filter((violation) => /script-src/.test(violation.directive ?? violation.console ?? '') && /eval/.test(`${violation.blocked} ${violation.sample} ${violation.console ?? ''}`));
  assert.deepEqual(record.fired, [], 'a payload ran and called a trap');
  assert.deepEqual(record.dialogs, [], 'a payload opened a dialog');
  assert.deepEqual(evalBlocked, [], 'a payload ran far enough to try eval');
  assert.deepEqual(tokenErrors, [], 'a payload ran and threw');
  assert.deepEqual(record.problems, [], 'hostile markup reached the DOM');
}

before(async () => {
  const started = Date.now();
  blog = await startBlog();
  await seedCorpus();
  browser = await chromium.launch({ ...CHROMIUM_LAUNCH, executablePath: process.env.QUIRE_CHROMIUM || CHROMIUM_LAUNCH.executablePath });
  // The web's change follower expires the seeded tags a second after each change.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  console.log(`# corpus: ${CORPUS.length} payloads, ${TOKENS.size} placements, ${written.refused.length} refused by the engine; seeded in ${Date.now() - started} ms`);
});

after(async () => {
  await browser?.close();
  await blog?.stop();
});

/** Runs `visitOne` over `items`, a few at a time (each page waits on the server and on Chromium in turn). */
async function inPool(items, size, visitOne) {
  const queue = [...items];
  const worker = async () => {
    while (queue.length > 0) await visitOne(queue.shift());
  };
  await Promise.all(Array.from({ length: size }, worker));
}

const PAGES_AT_ONCE = 3;

test('the traps and checks catch a payload that does run (the control)', async () => {
  const { context, record } = await trappedContext();
  try {
    const html = `<script>alert('xcontrol1')</script><img src=x onerror="__xss('xcontrol2')"><a href=" JAVA\tscript:void(0)">x</a>`;
    await (await visit(context, record, 'the control', { open: (page) => page.setContent(html, { waitUntil: 'load' }) })).close();
  } finally {
    await context.close();
  }
  assert.equal(record.fired.length, 2, record.fired.join('\n'));
  assert.match(record.fired.join('\n'), /alert\(xcontrol1\) on the control/);
  assert.match(record.fired.join('\n'), /__xss\(xcontrol2\) on the control/);
  assert.equal(record.problems.length, 3, record.problems.join('\n'));
  assert.match(record.problems.join('\n'), /an inline script that is not the app's: alert\('xcontrol1'\)/);
  assert.match(record.problems.join('\n'), /onerror=/);
  assert.match(record.problems.join('\n'), /href=" JAVA\tscript:void\(0\)"/);
});

test('reader pages with the corpus in every field run no script', async (t) => {
  const { context, record } = await trappedContext();
  const collapse = (text) => text.replace(/\s+/g, ' ').trim();
  const searches = [
    SEARCH_WORD,
    payload('sq', 0, `<script>alert('${ID}')</script>`),
    payload('sq', 1, `"><img src=x onerror=alert('${ID}')>`),
    payload('sq', 2, `javascript:alert('${ID}')`),
  ];
  const visits = [
    ...written.posts.map((post, index) => ({
      path: POSTS_URL(post.slug),
      check: async (page) => {
        // The hostile title is shown as the text it is, and every comment is on the page.
        assert.equal(collapse(await page.locator('main h1').innerText()), collapse(post.title), `${post.slug}'s title`);
        const comments = await page.locator('article[aria-label^="Comment by"]').count();
        assert.equal(comments, Math.ceil((CORPUS.length - index) / BODY_POSTS), `${post.slug} shows ${comments} comments`);
      },
    })),
    { path: POSTS_URL(written.plainText.slug) },
    { path: '/' },
    { path: '/page/2' },
    { path: '/tag/xss-corpus' },
    // Every post shows both its hostile tags; each post's first one also gets its page (with a hostile description).
    ...written.tags.filter((tag) => tag.visited).map((tag) => ({
      path: `/tag/${tag.slug}`,
      check: async (page) => assert.equal(collapse(await page.locator('main h1').innerText()), collapse(tag.name)),
    })),
    ...written.authors.map((author) => ({
      path: `/author/${author.slug}`,
      check: async (page) => assert.match(await page.locator('main h1').innerText(), /\S/),
    })),
    ...searches.map((query) => ({
      path: `/search?q=${encodeURIComponent(query)}`,
      waitFor: (page) => page.locator('#results-heading').waitFor(),
      check: async (page) => {
        if (query === SEARCH_WORD) assert.ok((await page.locator('main ol mark').count()) >= 1, 'the search finds the post with markup as text');
      },
    })),
  ];
  try {
    await inPool(visits, PAGES_AT_ONCE, async ({ path, waitFor, check }) => {
      const page = await visit(context, record, path, { waitFor });
      await check?.(page);
      await page.close();
    });
  } finally {
    await context.close();
  }
  assertNothingRan(record, t);
});

test('the admin pages (posts, editor with live preview, draft preview, moderation queue) run no script', async (t) => {
  const { context, record } = await trappedContext();
  try {
    const login = await visit(context, record, '/admin/login');
    await login.getByLabel('Email').fill(blog.seeded.authors.ada.email);
    await login.getByLabel('Password').fill(PASSWORD);
    await login.getByRole('button', { name: 'Sign in' }).click();
    await login.waitForURL(`${blog.web.url}/admin`);
    await login.close();
    await (await visit(context, record, '/admin')).close();
    await (await visit(context, record, '/admin?status=draft')).close();
    const previewShown = (page) => page.getByTestId('markdown-preview').locator('.prose').waitFor({ timeout: 10_000 });
    await inPool([written.draft, written.posts[0], written.posts[5]], PAGES_AT_ONCE, async (post) =>
      (await visit(context, record, `/admin/posts/${post.id}`, { waitFor: previewShown })).close(),
    );
    const preview = await visit(context, record, `/admin/preview/${written.draft.id}`, {
      waitFor: async (page) => {
        await page.getByRole('button', { name: 'Open the draft preview' }).click();
        await page.getByText('Draft preview: readers cannot see this page.').waitFor();
      },
    });
    await preview.close();
    const queue = await visit(context, record, '/admin/comments');
    assert.ok((await queue.locator('ol > li').count()) >= written.pending, 'the pending corpus is in the queue');
    await queue.close();
  } finally {
    await context.close();
  }
  assertNothingRan(record, t);
});

/** Every element name in a parsed XML document. */
function elementNames(node, names = new Set()) {
  if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (!key.startsWith('@_') && key !== '#text') names.add(key.toLowerCase());
      elementNames(value, names);
    }
  }
  return names;
}

const textOf = (value) => (typeof value === 'object' && value !== null ? (value['#text'] ?? '') : (value ?? ''));

/**
 * The fields of a feed that its format defines as HTML, which a feed reader
 * renders as markup: RSS's item `description` and `content:encoded`, Atom's
 * `content type="html"`, JSON Feed's `content_html`. (Titles, Atom summaries
 * and JSON Feed summaries are text.)
 */
function htmlFields(path, text) {
  if (path.endsWith('.json')) {
    const { items } = JSON.parse(text);
    return { content: items.map((item) => item.content_html ?? '') };
  }
  const parsed = new XMLParser({ ignoreAttributes: false, isArray: (name) => ['item', 'entry', 'category'].includes(name) }).parse(text);
  if (parsed.rss) {
    const items = parsed.rss.channel.item ?? [];
    return {
      content: items.map((item) => textOf(item['content:encoded'])),
      'item description': items.map((item) => textOf(item.description)),
    };
  }
  const entries = parsed.feed.entry ?? [];
  return { content: entries.filter((entry) => entry.content?.['@_type'] === 'html').map((entry) => textOf(entry.content)) };
}

test('the feeds carry the corpus as escaped data, and the HTML they carry runs no script in a browser', async (t) => {
  const feeds = ['/feed/rss.xml', '/feed/atom.xml', '/feed/feed.json'];
  for (const tag of [{ slug: 'xss-corpus' }, ...written.tags.filter((tag) => tag.visited).slice(0, 2)]) feeds.push(`/tag/${tag.slug}/feed/rss.xml`, `/tag/${tag.slug}/feed/atom.xml`);
  const { context, record } = await trappedContext();
  const renders = [];
  try {
    for (const path of feeds) {
      const response = await fetch(`${blog.web.url}${path}`);
      assert.equal(response.status, 200, `${path} answered ${response.status}`);
      const type = response.headers.get('content-type') ?? '';
      assert.doesNotMatch(type, /html/, `${path} is served as ${type}`);
      const text = await response.text();
      if (!path.endsWith('.json')) {
        assert.equal(XMLValidator.validate(text), true, `${path} is not well-formed XML`);
        const names = elementNames(new XMLParser({ ignoreAttributes: false }).parse(text));
        const foreign = [...names].filter((name) => /(^|:)(script|svg|math|iframe|img|a|object|embed|style|body|html|base|meta|form)$/.test(name));
        assert.deepEqual(foreign, [], `${path} has markup elements of its own`);
      }
      const fields = htmlFields(path, text);
      // A payload tag's feed has its one post; the others have every body post.
      const entries = /^\/tag\/(?!xss-corpus\/)/.test(path) ? 1 : BODY_POSTS;
      assert.ok(fields.content.length >= entries, `${path} has ${fields.content.length} entries`);
      for (const [field, values] of Object.entries(fields)) renders.push({ label: `${path} (${field})`, html: values.join('\n<hr>\n') });
    }
    // What a feed reader renders: each HTML field, in a page with the traps and no CSP at all.
    await inPool(renders, PAGES_AT_ONCE, async ({ label, html }) => {
      const open = (page) => page.setContent(`<!doctype html><title>feed</title><body>${html}</body>`, { waitUntil: 'load' });
      await (await visit(context, record, label, { open })).close();
    });
  } finally {
    await context.close();
  }
  assertNothingRan(record, t);
});

test('what the engine refused of the corpus is only what its checks forbid', (t) => {
  // Refusals are safe; they are listed so a reviewer sees which payloads never reached a page.
  t.diagnostic(`refused: ${written.refused.length}\n${written.refused.join('\n')}`);
  for (const refusal of written.refused) assert.match(refusal, /URL|must be/, refusal);
  assert.ok(written.comments >= 100, `${written.comments} comments`);
});
