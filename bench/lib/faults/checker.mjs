// The checker of the fault suite: after the faults, through an engine that reads PostgreSQL
// without a cache, every acknowledged write must be there with its acknowledged content, and no
// write may have taken effect twice.
//
//   lost        an acknowledged create whose post does not exist; an acknowledged update whose
//               content is in no version of its post; a post whose current content is neither its
//               last acknowledged write nor a later write whose outcome is unknown
//   duplicated  more than one post for a create's slug (one request_id), or more than one version
//               carrying one write's content
//   wrong       answers that break the idempotency contract: a retry (same request_id) refused
//               (ABORTED for the etag its own first attempt moved, ALREADY_EXISTS for the slug it
//               created), or an acknowledgement with content other than what was sent
import { PostStatus, PostView, outcomeOf } from './clients.mjs';

/** @typedef {import('./writer.mjs').LedgerPost} LedgerPost */
/** @typedef {import('./writer.mjs').Write} Write */
/** @typedef {typeof import('./clients.mjs').engineClients} EngineClientsFactory */
/**
 * @typedef {object} CheckResult
 * @property {number} acknowledged writes acknowledged
 * @property {number} unknown writes the writer gave up on (either outcome is allowed)
 * @property {number} appliedUnknown of those, the ones that took effect
 * @property {number} refused writes refused with a definite error
 * @property {number} replayed retries answered with an earlier attempt's stored response
 * @property {number} lost
 * @property {number} duplicated
 * @property {number} wrong
 * @property {string[]} problems one line per lost, duplicated or wrong write
 */

const PAGE_SIZE = 100;
const MAX_PROBLEM_LINES = 20;

/**
 * @param {ReturnType<EngineClientsFactory>} reader the checker engine's clients
 * @param {Map<string, LedgerPost>} ledger
 * @param {string} slugPrefix the scenario's posts (every slug of the ledger starts with it)
 * @returns {Promise<CheckResult>}
 */
export async function checkLedger(reader, ledger, slugPrefix) {
  const writes = [...ledger.values()].flatMap((post) => post.writes);
  /** @type {CheckResult} */
  const result = {
    acknowledged: writes.filter((w) => w.outcome === 'acked').length,
    unknown: writes.filter((w) => w.outcome === 'unknown').length,
    appliedUnknown: 0,
    refused: writes.filter((w) => w.outcome === 'refused').length,
    replayed: writes.filter((w) => w.replayed).length,
    lost: 0,
    duplicated: 0,
    wrong: 0,
    problems: [],
  };
  const problem = (/** @type {string} */ line) => {
    if (result.problems.length < MAX_PROBLEM_LINES) result.problems.push(line);
  };

  for (const write of writes) {
    if (write.refusedOnRetry) {
      result.wrong += 1;
      problem(`${write.kind} ${write.requestId} (${write.slug}): its retry was refused with ${write.refusal}`);
    } else if (write.outcome === 'refused') {
      problem(`${write.kind} ${write.requestId} (${write.slug}): refused with ${write.refusal} at the first attempt`);
    }
    if (write.wrongResponse) {
      result.wrong += 1;
      problem(`${write.kind} ${write.requestId} (${write.slug}): acknowledged with other content than it sent`);
    }
  }

  const postsBySlug = await listPosts(reader, slugPrefix);
  for (const [slug, found] of postsBySlug) {
    if (!ledger.has(slug)) {
      result.duplicated += found.length;
      problem(`${slug}: ${found.length} post(s) no write of the ledger created`);
    }
  }

  for (const entry of ledger.values()) {
    const create = entry.writes[0];
    const found = postsBySlug.get(entry.slug) ?? [];
    if (found.length > 1) {
      result.duplicated += found.length - 1;
      problem(`${entry.slug}: ${found.length} posts for create ${create.requestId}`);
    }
    if (found.length === 0) {
      const lostWrites = entry.writes.filter((w) => w.outcome === 'acked');
      result.lost += lostWrites.length;
      if (lostWrites.length) problem(`${entry.slug}: acknowledged create ${create.requestId} (and ${lostWrites.length - 1} update(s)) but no post`);
      continue;
    }
    if (uncertain(create)) result.appliedUnknown += 1;

    const { post } = await retrying(() => reader.posts.getPost({ key: { case: 'id', value: found[0].id }, view: PostView.FULL }));
    const versions = await listVersions(reader, found[0].id);
    if (post) versions.set(post.revision, { title: post.title, markdown: post.markdown });
    const counts = new Map();
    for (const version of versions.values()) counts.set(version.markdown, (counts.get(version.markdown) ?? 0) + 1);

    const lostHere = new Set();
    for (const write of entry.writes) {
      const copies = counts.get(write.markdown) ?? 0;
      if (write.outcome === 'acked' && copies === 0) {
        result.lost += 1;
        lostHere.add(write);
        problem(`${entry.slug}: acknowledged ${write.kind} ${write.requestId} is in no version of the post`);
      }
      if (uncertain(write) && write.kind === 'update' && copies > 0) result.appliedUnknown += 1;
      if (copies > 1) {
        result.duplicated += copies - 1;
        problem(`${entry.slug}: ${write.kind} ${write.requestId} took effect ${copies} times`);
      }
    }

    // The post as it is now: its last acknowledged write, or one after it whose outcome is unknown.
    const lastAcked = entry.writes.findLastIndex((w) => w.outcome === 'acked');
    const allowed = entry.writes.slice(Math.max(lastAcked, 0)).filter((w, i) => i === 0 || uncertain(w));
    const current = allowed.find((w) => post && w.title === post.title && w.markdown === post.markdown);
    if (lastAcked >= 0 && !current && !lostHere.has(entry.writes[lastAcked])) {
      result.lost += 1;
      problem(`${entry.slug}: shows "${post?.title}", not its last acknowledged write ${entry.writes[lastAcked].requestId}`);
    }
  }
  return result;
}

/**
 * Whether a write may or may not have taken effect: the writer gave up on it, or a retry was
 * refused after an attempt whose outcome was unknown.
 *
 * @param {Write} write
 */
function uncertain(write) {
  return write.outcome === 'unknown' || Boolean(write.refusedOnRetry);
}

/**
 * Every post whose slug starts with `slugPrefix`, by slug (a list, to see duplicates).
 *
 * @param {ReturnType<EngineClientsFactory>} reader
 * @param {string} slugPrefix
 */
async function listPosts(reader, slugPrefix) {
  /** @type {Map<string, Array<{ id: string }>>} */
  const bySlug = new Map();
  let pageToken = '';
  const statuses = [PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.PUBLISHED, PostStatus.ARCHIVED];
  do {
    const page = await retrying(() => reader.posts.listPosts({ pageSize: PAGE_SIZE, pageToken, statuses, view: PostView.BASIC }));
    for (const post of page.posts) {
      if (!post.slug.startsWith(slugPrefix)) continue;
      bySlug.set(post.slug, [...(bySlug.get(post.slug) ?? []), { id: post.id }]);
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  return bySlug;
}

/**
 * Every revision of a post, by number.
 *
 * @param {ReturnType<EngineClientsFactory>} reader
 * @param {string} postId
 */
async function listVersions(reader, postId) {
  /** @type {Map<bigint, { title: string, markdown: string }>} */
  const versions = new Map();
  let pageToken = '';
  do {
    const page = await retrying(() => reader.posts.listPostRevisions({ postId, pageSize: PAGE_SIZE, pageToken }));
    for (const revision of page.revisions) versions.set(revision.revision, { title: revision.title, markdown: revision.markdown });
    pageToken = page.nextPageToken;
  } while (pageToken);
  return versions;
}

/**
 * The checker reads after the faults, but an engine may still be reconnecting: a few retries.
 *
 * @template T
 * @param {() => Promise<T>} read
 * @returns {Promise<T>}
 */
async function retrying(read) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= 10) throw new Error(`the checker could not read: ${outcomeOf(error)} (${error instanceof Error ? error.message : error})`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}
