// A small blog for the web tests, written through the engine's API as an
// editor would: two authors, tagged posts (one renamed, one with a cover
// image and code), a standalone page, a draft, and approved comments.
import { AuthorRole, CommentStatus, PostKind, engineClients } from './web-engine-client.mjs';

export const RUST_POST_MARKDOWN = `Ownership is the idea that makes Rust memory-safe without a garbage collector.

## The borrow checker

Every value has exactly one owner. References borrow it, and the compiler
checks that no borrow outlives the value.

\`\`\`rust
// A function that borrows its argument.
fn longest<'a>(x: &'a str, y: &'a str) -> &'a str {
    if x.len() > y.len() { x } else { y }
}

fn main() {
    let answer: u32 = 42;
    println!("{} {}", longest("hello", "hi"), answer);
}
\`\`\`

## Lifetimes

A lifetime names how long a borrow is valid. Most are inferred; the
signature above spells one out.

### Elision

The compiler fills in lifetimes for the common cases, so you rarely write them.

## What to read next

The [Rust book](https://doc.rust-lang.org/book/) explains all of this at length.
`;

/** Words that occur in one post's body only, for search. */
export const SEARCH_WORD = 'zeppelin';

/**
 * Seeds the blog. `assetBaseUrl` is where the web app serves web/public
 * (cover and avatar images), e.g. its own origin.
 * @param {string} engineUrl
 * @param {(scopes: string[]) => Promise<string>} createKey
 * @param {{ assetBaseUrl: string, extraPosts?: number }} options
 */
export async function seedBlog(engineUrl, createKey, { assetBaseUrl, extraPosts = 10 }) {
  const admin = engineClients(engineUrl, await createKey(['admin']));
  const commenter = engineClients(engineUrl, await createKey(['comments:create']));

  const { author: ada } = await admin.authors.createAuthor({
    author: {
      slug: 'ada',
      displayName: 'Ada Lovelace',
      email: 'ada@example.com',
      bio: 'Writes about engines, analytical and otherwise.',
      avatarUrl: `${assetBaseUrl}/samples/avatar.svg`,
      role: AuthorRole.EDITOR,
    },
    password: 'a long enough password',
  });
  const { author: grace } = await admin.authors.createAuthor({
    author: {
      slug: 'grace',
      displayName: 'Grace Hopper',
      email: 'grace@example.com',
      bio: 'Compilers, COBOL and nanoseconds.',
      role: AuthorRole.AUTHOR,
    },
    password: 'a long enough password',
  });

  const publish = async (post) => {
    const { post: created } = await admin.posts.createPost({ post });
    const { post: published } = await admin.posts.publishPost({ id: created.id });
    return published;
  };

  // Older filler posts first, so the featured ones are the newest.
  for (let index = 1; index <= extraPosts; index += 1) {
    await publish({
      slug: `note-${index}`,
      title: `Field note ${index}`,
      markdown: `Short note number ${index} about everyday engineering.\n\nNothing more to it.`,
      authorId: index % 2 ? grace.id : ada.id,
      tags: [{ name: 'Notes' }],
    });
  }

  const compilers = await publish({
    slug: 'first-compilers',
    title: 'The first compilers',
    markdown: `The A-0 system translated symbolic math into machine code.\n\n## Flow-Matic\n\nEnglish-like statements, and a ${SEARCH_WORD} ride worth of ambition.\n\n## COBOL\n\nA committee, a deadline, a language.`,
    authorId: grace.id,
    tags: [{ name: 'Compilers' }, { name: 'History' }],
  });

  // Renamed after publishing: its first slug must answer a permanent redirect.
  const renamed = await publish({
    slug: 'analytical-engine-draft-title',
    title: 'Notes on the Analytical Engine',
    markdown: 'The engine weaves algebraic patterns just as the Jacquard loom weaves flowers and leaves.',
    authorId: ada.id,
    tags: [{ name: 'History' }],
  });
  const { post: analytical } = await admin.posts.updatePost({
    post: { id: renamed.id, etag: renamed.etag, slug: 'analytical-engine' },
    updateMask: { paths: ['slug'] },
  });

  const rust = await publish({
    slug: 'understanding-ownership',
    title: 'Understanding ownership in Rust',
    markdown: RUST_POST_MARKDOWN,
    authorId: ada.id,
    tags: [{ name: 'Rust' }, { name: 'Compilers' }],
    coverImageUrl: `${assetBaseUrl}/samples/cover.jpg`,
    coverImageAlt: 'Layered hills at dusk under a wide sky',
    seo: { metaDescription: 'How Rust keeps memory safe without a garbage collector: owners, borrows and lifetimes.' },
  });

  await publish({
    slug: 'about',
    kind: PostKind.PAGE,
    title: 'About this blog',
    markdown: 'A blog about computing history and systems programming.',
    authorId: ada.id,
  });

  await admin.posts.createPost({
    post: { slug: 'unfinished', title: 'An unfinished draft', markdown: 'Not yet.', authorId: ada.id },
  });

  for (const [authorName, body] of [
    ['Charles', 'Lovely explanation of lifetimes.'],
    ['Margaret', 'The elision rules finally make sense <script>alert(1)</script>.'],
  ]) {
    const { comment } = await commenter.comments.createComment({ comment: { postId: rust.id, authorName, body } });
    await admin.comments.moderateComment({ id: comment.id, status: CommentStatus.APPROVED });
  }
  await commenter.comments.createComment({
    comment: { postId: rust.id, authorName: 'Spammer', body: 'Pending and never shown.' },
  });

  return { admin, authors: { ada, grace }, posts: { compilers, analytical, rust }, renamedFrom: renamed.slug };
}
