// The demo blog `npm start` seeds once on a fresh database: two authors,
// posts with code blocks, tables, footnotes and tags, and an About page.

export const DEMO_AUTHOR = {
  slug: 'mara',
  displayName: 'Mara Okafor',
  email: 'mara@example.com',
  bio: 'Backend engineer. Writes about databases, caches and the bugs between them.',
};

const ZERO_COPY = `Parsing is usually the first place a service spends memory it does not need to.
Rust lets a parser hand out *borrowed* views into the input instead of copies.

## Borrowing from the input

\`\`\`rust
/// A header line such as \`Content-Type: text/html\`, borrowed from the request bytes.
pub struct Header<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

pub fn parse_header(line: &str) -> Option<Header<'_>> {
    let (name, value) = line.split_once(':')?;
    Some(Header { name: name.trim(), value: value.trim() })
}
\`\`\`

The lifetime \`'a\` ties every header to the buffer it came from, so the compiler
refuses any code that frees the buffer while a header is still in use.[^lifetimes]

## What it buys

| Approach        | Allocations per request | Throughput (relative) |
| --------------- | ----------------------: | --------------------: |
| Owned \`String\`s |                      14 |                  1.0x |
| Borrowed \`&str\` |                       1 |                  2.3x |

Measure before you celebrate: the numbers above come from one service, and yours will differ.

[^lifetimes]: The Rust Book's chapter on lifetimes explains the elision rules that make most of these annotations implicit.
`;

const TYPED_APIS = `A schema is a promise. Protobuf makes that promise machine-checked on both sides of the wire.

## One contract, two languages

\`\`\`proto
service PostService {
  // Returns a post by id or by slug.
  rpc GetPost(GetPostRequest) returns (GetPostResponse);
}
\`\`\`

From that file, \`buf generate\` produces Rust for the server and TypeScript for the client:

\`\`\`ts
const client = createClient(PostService, transport);
const { post } = await client.getPost({ slug: 'typed-apis' });
console.log(post?.title);
\`\`\`

## Breaking changes are build failures

\`buf breaking\` compares the schema against the main branch and fails CI when a field
is renamed or renumbered, long before a client notices.[^wire]

- Add fields freely; never reuse a number.
- Deprecate before you delete.
- Keep request and response messages per method.

[^wire]: Wire compatibility and JSON compatibility are different promises; check both if you serve JSON.
`;

const CACHING = `A cache makes reads fast. The hard part is making sure it never makes them *wrong*.

## Three rules

1. The database is the source of truth; the cache only remembers answers.
2. Every write produces an event, in commit order.
3. A cached answer records which events it has seen, and is dropped when a newer one touches it.

| Layer          | Latency | Shared by        | Invalidated by          |
| -------------- | ------: | ---------------- | ----------------------- |
| In-process LRU |  ~1 µs | one process      | the change stream       |
| Redis          | ~100 µs | every replica    | pub/sub + versioning    |
| PostgreSQL     |   ~1 ms | everyone         | it *is* the truth       |

## Racing readers

The classic bug: a reader loads an old row, a writer commits and invalidates, then the
reader stores its old value. Versioned entries close that window: the late value carries
an older version than the invalidation and is never served.[^race]

[^race]: This is the same reasoning as a lease in Facebook's memcache paper.
`;

const INDEXES = `Most slow queries are missing an index; some are slowed down by one.

## Pick the index for the question

| Question                               | Index             |
| -------------------------------------- | ----------------- |
| \`WHERE slug = $1\`                      | B-tree            |
| \`WHERE body @@ to_tsquery($1)\`         | GIN on a tsvector |
| \`WHERE published_at < now()\` (ranges)  | B-tree            |
| \`WHERE tags @> ARRAY['rust']\`          | GIN               |

\`\`\`sql
CREATE INDEX posts_search ON posts USING gin (search_vector);
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, title FROM posts WHERE search_vector @@ websearch_to_tsquery('english', 'cache');
\`\`\`

Read \`EXPLAIN\` from the inside out, and look at *rows removed by filter* before you add anything.
`;

const WELCOME = `Welcome to your new blog. This post, and a few others, were created by \`npm start\`
so that there is something to look at.

- Sign in at [/admin](/admin) with the credentials printed in your terminal (also saved in \`.quire/credentials\`).
- Every page you are reading is static HTML, refreshed within a second of any change.
- Other services can use the same content through the gRPC API on port 50051.

Delete these posts whenever you like.
`;

const ABOUT = `Quire is a self-hosted blog: a Rust engine owns the content and a Next.js site serves it.

This page is a *page*, not a post: it has no date and does not appear in the feeds.
`;

/**
 * The posts to create, newest last. `author` is 'admin' or 'demo'.
 * @type {{ author: 'admin' | 'demo', post: Record<string, unknown> }[]}
 */
export const DEMO_POSTS = [
  {
    author: 'demo',
    post: { slug: 'postgres-indexes-field-guide', title: 'A field guide to PostgreSQL indexes', markdown: INDEXES, tags: [{ name: 'Databases' }] },
  },
  {
    author: 'admin',
    post: { slug: 'zero-copy-parsing-in-rust', title: 'Zero-copy parsing in Rust', markdown: ZERO_COPY, tags: [{ name: 'Rust' }, { name: 'Performance' }] },
  },
  {
    author: 'demo',
    post: {
      slug: 'caching-without-stale-reads',
      title: 'Caching without stale reads',
      markdown: CACHING,
      tags: [{ name: 'Architecture' }, { name: 'Databases' }],
    },
  },
  {
    author: 'admin',
    post: { slug: 'typed-apis-with-protobuf', title: 'Typed APIs with Protobuf and Connect', markdown: TYPED_APIS, tags: [{ name: 'TypeScript' }, { name: 'Rust' }] },
  },
  { author: 'admin', post: { slug: 'hello-quire', title: 'Hello, Quire', markdown: WELCOME, tags: [{ name: 'Meta' }] } },
  { author: 'admin', post: { slug: 'about', title: 'About', markdown: ABOUT, kind: 'page' } },
];
