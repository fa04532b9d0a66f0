/**
 * Every limit of the baseline, in one place. The input limits are the
 * engine's (engine/src/domain/limits.rs) and the .proto comments'.
 */

/** Longest slug, in characters. */
export const SLUG_MAX = 100;
/** Longest post title, in characters. */
export const TITLE_MAX = 200;
/** Largest Markdown body, in bytes. */
export const MARKDOWN_MAX_BYTES = 1 << 20;
/** Most tags on one post. */
export const TAGS_PER_POST_MAX = 20;
/** Longest tag name, in characters. */
export const TAG_NAME_MAX = 60;
/** Longest SEO description, in characters. */
export const DESCRIPTION_MAX = 500;
/** Longest URL, in characters. */
export const URL_MAX = 2048;
/** Longest image alternative text, in characters. */
export const ALT_TEXT_MAX = 300;
/** Longest search query, in characters. */
export const SEARCH_QUERY_MAX = 200;

/** ListPosts: page size when the request says 0, and the most it may ask for. */
export const LIST_PAGE_SIZE = { default: 20, max: 100 } as const;
/** SearchPosts: page size when the request says 0, and the most it may ask for. */
export const SEARCH_PAGE_SIZE = { default: 10, max: 50 } as const;

/** Largest request or response message, as the engine's default (4 MiB). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Database connections per process, as the engine's default. */
export const DEFAULT_POOL_SIZE = 16;
/** How long a call waits for a free database connection, as the engine's default. */
export const POOL_ACQUIRE_TIMEOUT_MS = 5_000;

/** The longest any SQL statement may run, as the engine's request timeout (10 s). */
export const STATEMENT_TIMEOUT_MS = 10_000;
/** How long shutdown waits for calls in flight before exiting anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Lifetime of a Redis cache entry, as the engine's Redis level (300 s). */
export const CACHE_TTL_MS = 300_000;
/** A Redis command slower than this counts as a failure and the call goes to PostgreSQL. */
export const REDIS_COMMAND_TIMEOUT_MS = 250;

/** How long a verified API key is trusted without asking PostgreSQL again, as the engine. */
export const API_KEY_CACHE_TTL_MS = 10_000;
/** Most verified API keys kept in memory. */
export const API_KEY_CACHE_MAX = 10_000;
