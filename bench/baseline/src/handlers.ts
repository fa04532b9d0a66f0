/**
 * GetPost, ListPosts, SearchPosts and CreatePost of quire.v1.PostService,
 * independent of the transport: connect-server.ts and grpcjs-server.ts both
 * serve this one module. Each method takes the request message and the
 * `authorization` metadata, and answers the response message or throws (an
 * ApiError for the caller's mistakes; anything else is an internal error).
 */

import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import type { TagRef } from '@quire/gen/quire/v1/tag_pb';
import { PostKind, PostStatus, PostView } from '@quire/gen/quire/v1/post_pb';
import type {
  CreatePostRequest,
  CreatePostResponse,
  GetPostRequest,
  GetPostResponse,
  ListPostsRequest,
  ListPostsResponse,
  SearchPostsRequest,
  SearchPostsResponse,
} from '@quire/gen/quire/v1/post_service_pb';
import {
  CreatePostResponseSchema,
  GetPostResponseSchema,
  ListPostsResponseSchema,
  SearchPostsResponseSchema,
} from '@quire/gen/quire/v1/post_service_pb';
import type pg from 'pg';
import type { Authenticator } from './auth';
import type { ReadCache } from './cache';
import { cacheKeys } from './cache';
import { ApiError } from './errors';
import {
  ALT_TEXT_MAX,
  DESCRIPTION_MAX,
  LIST_PAGE_SIZE,
  MARKDOWN_MAX_BYTES,
  SEARCH_PAGE_SIZE,
  SEARCH_QUERY_MAX,
  TAG_NAME_MAX,
  TAGS_PER_POST_MAX,
  TITLE_MAX,
  URL_MAX,
} from './limits';
import { postMessage } from './mapping';
import { decodePageToken, encodePageToken } from './page-token';
import { maySeeUnpublished, requireRead, requireWrite } from './policy';
import { render } from './render';
import * as changes from './store/changes';
import * as idempotency from './store/idempotency';
import { transaction } from './store/pool';
import * as posts from './store/posts';
import type { ListFilter, View } from './store/posts';
import {
  FieldViolations,
  checkOptionalUrl,
  checkText,
  deriveSlug,
  pageSize,
  parseSlug,
  parseUuid,
} from './validation';

export interface Dependencies {
  pool: pg.Pool;
  cache: ReadCache;
  auth: Authenticator;
}

function viewOf(view: PostView, fallback: View): View {
  switch (view) {
    case PostView.UNSPECIFIED:
      return fallback;
    case PostView.BASIC:
      return 'basic';
    case PostView.FULL:
      return 'full';
    default:
      throw ApiError.invalidField('view', 'is not a known PostView');
  }
}

function optionalSlug(value: string, field: string, violations: FieldViolations): string | null {
  return value === '' ? null : (violations.check(field, parseSlug(value)) ?? null);
}

export class PostHandlers {
  constructor(private readonly deps: Dependencies) {}

  async getPost(request: GetPostRequest, authorization: string | undefined): Promise<GetPostResponse> {
    const caller = await this.deps.auth.caller(authorization);
    requireRead(caller);
    const view = viewOf(request.view, 'full');
    let load: () => Promise<{ post: posts.PostRow; slugMoved: boolean } | undefined>;
    let key: string;
    switch (request.key.case) {
      case 'id': {
        const id = parseUuid(request.key.value);
        if (!id.ok) throw ApiError.invalidField('id', id.problem);
        load = async () => {
          const post = await posts.getById(this.deps.pool, id.value, view);
          return post && { post, slugMoved: false };
        };
        key = `post:id:${id.value}:${view}`;
        break;
      }
      case 'slug': {
        const slug = parseSlug(request.key.value);
        if (!slug.ok) throw ApiError.invalidField('slug', slug.problem);
        load = () => posts.getBySlug(this.deps.pool, slug.value, view);
        key = cacheKeys.postBySlug(slug.value, view);
        break;
      }
      default:
        throw ApiError.invalidField('key', 'set either `id` or `slug`');
    }
    const respond = (found: { post: posts.PostRow; slugMoved: boolean }) =>
      create(GetPostResponseSchema, { post: postMessage(found.post), slugMoved: found.slugMoved });

    // What readers see (published posts) is shared through the cache.
    const published = await this.deps.cache.getOrLoad(key, GetPostResponseSchema, async () => {
      const found = await load();
      return found?.post.status === posts.PostStatusNumber.Published ? respond(found) : undefined;
    });
    if (published) return published;
    // Drafts and scheduled posts are never cached: read them directly.
    if (!maySeeUnpublished(caller)) throw ApiError.notFound('post');
    const found = await load();
    if (!found) throw ApiError.notFound('post');
    return respond(found);
  }

  async listPosts(request: ListPostsRequest, authorization: string | undefined): Promise<ListPostsResponse> {
    const caller = await this.deps.auth.caller(authorization);
    requireRead(caller);
    const violations = new FieldViolations();
    const limit = violations.check('page_size', pageSize(request.pageSize, LIST_PAGE_SIZE)) ?? LIST_PAGE_SIZE.default;
    const statuses: number[] = [];
    for (const status of request.statuses) {
      if (status === PostStatus.UNSPECIFIED || !(status in PostStatus)) {
        violations.add('statuses', 'contains an unknown status');
      } else {
        statuses.push(status);
      }
    }
    if (statuses.length === 0) statuses.push(PostStatus.PUBLISHED);
    let kind: number = PostKind.POST;
    if (request.kind === PostKind.PAGE) kind = PostKind.PAGE;
    else if (request.kind !== PostKind.UNSPECIFIED && request.kind !== PostKind.POST) {
      violations.add('kind', 'is not a known PostKind');
    }
    const tagSlug = optionalSlug(request.tagSlug, 'tag_slug', violations);
    const authorSlug = optionalSlug(request.authorSlug, 'author_slug', violations);
    const view = viewOf(request.view, 'basic');
    const onlyPublished = statuses.every((status) => status === PostStatus.PUBLISHED);
    if (!onlyPublished && !maySeeUnpublished(caller)) {
      throw ApiError.permissionDenied('listing unpublished posts needs the content:write scope');
    }
    const filter: ListFilter = { statuses, kind, tagSlug, authorSlug, unpublishedOwner: null };
    const fingerprint = [statuses.join(','), String(kind), tagSlug ?? '', authorSlug ?? ''];
    const cursor = violations.check('page_token', decodePageToken(request.pageToken, fingerprint, 2));
    let after: { micros: bigint; id: string } | null = null;
    if (cursor) {
      const id = parseUuid(cursor[1] ?? '');
      if (/^-?\d+$/.test(cursor[0] ?? '') && id.ok) after = { micros: BigInt(cursor[0]!), id: id.value };
      else violations.add('page_token', 'is not a page token from a previous response to this request');
    }
    if (!violations.isEmpty) throw ApiError.invalid(violations);

    const fromStore = async (): Promise<ListPostsResponse> => {
      const [rows, total] = await Promise.all([
        posts.list(this.deps.pool, filter, view, after, limit + 1),
        posts.count(this.deps.pool, filter),
      ]);
      let nextPageToken = '';
      if (rows.length > limit) {
        rows.length = limit;
        const last = rows[limit - 1]!;
        nextPageToken = encodePageToken(fingerprint, [last.sort_time.micros.toString(), last.id]);
      }
      return create(ListPostsResponseSchema, {
        posts: rows.map(postMessage),
        nextPageToken,
        totalSize: Math.min(total, 2 ** 31 - 1),
      });
    };
    // The first page of published posts is what every reader asks for.
    if (after !== null || !onlyPublished) return fromStore();
    const key = cacheKeys.firstPage(`${tagSlug ?? ''}|${authorSlug ?? ''}|${kind}|${limit}|${view}`);
    return (await this.deps.cache.getOrLoad(key, ListPostsResponseSchema, fromStore)) ?? fromStore();
  }

  async searchPosts(request: SearchPostsRequest, authorization: string | undefined): Promise<SearchPostsResponse> {
    const caller = await this.deps.auth.caller(authorization);
    requireRead(caller);
    const violations = new FieldViolations();
    const query = request.query.trim();
    violations.check('query', checkText(query, true, SEARCH_QUERY_MAX));
    const limit = violations.check('page_size', pageSize(request.pageSize, SEARCH_PAGE_SIZE)) ?? SEARCH_PAGE_SIZE.default;
    const tagSlug = optionalSlug(request.tagSlug, 'tag_slug', violations);
    const fingerprint = [query, tagSlug ?? ''];
    const cursor = violations.check('page_token', decodePageToken(request.pageToken, fingerprint, 1));
    let offset = 0;
    if (cursor) {
      if (/^\d{1,9}$/.test(cursor[0] ?? '')) offset = Number(cursor[0]);
      else violations.add('page_token', 'is not a page token from a previous response to this request');
    }
    if (!violations.isEmpty) throw ApiError.invalid(violations);

    const [hits, total] = await Promise.all([
      posts.search(this.deps.pool, query, tagSlug, offset, limit + 1),
      posts.searchCount(this.deps.pool, query, tagSlug),
    ]);
    const hasMore = hits.length > limit;
    return create(SearchPostsResponseSchema, {
      results: hits.slice(0, limit).map((hit) => ({
        post: postMessage(hit),
        snippetHtml: hit.snippet_html,
        score: hit.score,
      })),
      nextPageToken: hasMore ? encodePageToken(fingerprint, [String(offset + limit)]) : '',
      totalSize: Math.min(total, 2 ** 31 - 1),
    });
  }

  async createPost(request: CreatePostRequest, authorization: string | undefined): Promise<CreatePostResponse> {
    const caller = await this.deps.auth.caller(authorization);
    requireWrite(caller);
    const post = request.post;
    if (!post) throw ApiError.invalidField('post', 'is required');
    const violations = new FieldViolations();
    const requestId = request.requestId === '' ? undefined : violations.check('request_id', parseUuid(request.requestId));
    // An API key has no author of its own: it names one.
    const authorId =
      post.authorId === ''
        ? violations.add('post.author_id', 'is required when creating a post with an API key')
        : violations.check('post.author_id', parseUuid(post.authorId));
    const slug = violations.check('post.slug', parseSlug(post.slug));
    let kind: number = PostKind.POST;
    if (post.kind === PostKind.PAGE) kind = PostKind.PAGE;
    else if (post.kind !== PostKind.UNSPECIFIED && post.kind !== PostKind.POST) {
      violations.add('post.kind', 'is not a known PostKind');
    }
    violations.check('post.title', checkText(post.title, true, TITLE_MAX));
    if (Buffer.byteLength(post.markdown, 'utf8') > MARKDOWN_MAX_BYTES) {
      violations.add('post.markdown', `must be at most ${MARKDOWN_MAX_BYTES / 1024} KiB`);
    }
    const tags = parseTags(post.tags, violations);
    violations.check('post.cover_image_url', checkOptionalUrl(post.coverImageUrl, URL_MAX));
    violations.check('post.cover_image_alt', checkText(post.coverImageAlt, false, ALT_TEXT_MAX));
    const seo = post.seo ?? { metaTitle: '', metaDescription: '', canonicalUrl: '' };
    violations.check('post.seo.meta_title', checkText(seo.metaTitle, false, TITLE_MAX));
    violations.check('post.seo.meta_description', checkText(seo.metaDescription, false, DESCRIPTION_MAX));
    violations.check('post.seo.canonical_url', checkOptionalUrl(seo.canonicalUrl, URL_MAX));
    if (!violations.isEmpty || slug === undefined || authorId === undefined || tags === undefined) {
      throw ApiError.invalid(violations);
    }

    // Rendering is CPU work on the event loop: a few milliseconds for a long post.
    const rendered = render(post.markdown);
    const newPost: posts.NewPost = {
      id: randomUUID(),
      slug,
      kind,
      title: post.title.trim(),
      markdown: post.markdown,
      html: rendered.html,
      toc: rendered.toc,
      excerpt: rendered.excerpt,
      plainText: rendered.plainText,
      wordCount: rendered.wordCount,
      readingTimeMinutes: rendered.readingTimeMinutes,
      authorId,
      coverImageUrl: post.coverImageUrl,
      coverImageAlt: post.coverImageAlt,
      metaTitle: seo.metaTitle,
      metaDescription: seo.metaDescription,
      canonicalUrl: seo.canonicalUrl,
      tags,
    };

    const created = await transaction(this.deps.pool, async (tx) => {
      if (requestId !== undefined) {
        const existing = await idempotency.claim(tx, 'CreatePost', requestId, newPost.id);
        if (existing !== undefined) return posts.getById(tx, existing, 'full');
      }
      if (!(await posts.authorExists(tx, authorId))) {
        throw ApiError.invalidField('post.author_id', 'no author has this id');
      }
      try {
        await posts.insert(tx, newPost);
      } catch (error) {
        const { code, constraint } = error as { code?: string; constraint?: string };
        if (code === '23505' && constraint === posts.SLUG_CONSTRAINT) throw ApiError.taken('post.slug');
        throw error;
      }
      const row = await posts.getById(tx, newPost.id, 'full');
      if (!row) throw new Error(`post ${newPost.id} vanished inside its own transaction`);
      await changes.record(tx, {
        kind: changes.ChangeKind.PostCreated,
        postId: row.id,
        slug: row.slug,
        postKind: row.kind,
        status: row.status,
        tagSlugs: row.tag_slugs,
        authorSlug: row.author_slug,
      });
      return row;
    });
    if (!created) throw ApiError.notFound('post');
    // A new draft is in no listing and in no reader's cached post; but its
    // slug may have been an earlier slug of another post, cached as that
    // post's redirect, which must now stop answering.
    await this.deps.cache.invalidate(cacheKeys.postBySlugAllViews(created.slug));
    return create(CreatePostResponseSchema, { post: postMessage(created) });
  }
}

/** Tag names as (slug, name) pairs in the author's order, dropping repeats of a slug. */
function parseTags(tags: readonly TagRef[], violations: FieldViolations): [string, string][] | undefined {
  if (tags.length > TAGS_PER_POST_MAX) {
    violations.add('post.tags', `must be at most ${TAGS_PER_POST_MAX} tags`);
    return undefined;
  }
  const parsed: [string, string][] = [];
  let valid = true;
  for (const [index, tag] of tags.entries()) {
    const name = tag.name.trim();
    const field = `post.tags[${index}].name`;
    if (violations.check(field, checkText(name, true, TAG_NAME_MAX)) === undefined) {
      valid = false;
      continue;
    }
    const slug = deriveSlug(name);
    if (slug === undefined) {
      violations.add(field, 'must contain at least one letter or digit');
      valid = false;
    } else if (!parsed.some(([existing]) => existing === slug)) {
      parsed.push([slug, name]);
    }
  }
  return valid ? parsed : undefined;
}
