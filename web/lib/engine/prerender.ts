import 'server-only';
import { PLACEHOLDER_PARAM } from '@/lib/route-params';
import { engine } from './clients';
import { type EngineFailure, outcomeOf } from './errors';

/**
 * What `generateStaticParams` prerenders at build time: the newest content
 * when the engine answers, and otherwise only a placeholder (see
 * PLACEHOLDER_PARAM), so that `next build` succeeds without an engine and
 * every page is rendered on its first request and cached from then on.
 *
 * The engine is probed once, uncached, before any cached read: a cached read
 * that fails is logged by Next.js with its stack, and nothing here must be
 * cached as a fallback. `load` itself may still fail, and then the build
 * fails, as it should when a reachable engine misbehaves.
 */
export async function paramsToPrerender<Params extends Record<string, string>>(
  route: string,
  load: () => Promise<Params[]>,
  placeholderKeys: readonly (keyof Params & string)[],
): Promise<Params[]> {
  const placeholder = Object.fromEntries(placeholderKeys.map((key) => [key, PLACEHOLDER_PARAM])) as Params;
  const unreachable = await probeEngine();
  if (unreachable) {
    console.warn(`${route}: ${unreachable}; its pages are rendered on first request`);
    return [placeholder];
  }
  const params = await load();
  return params.length > 0 ? params : [placeholder];
}

let probe: Promise<string | undefined> | undefined;

/** Why the engine cannot serve the build, or undefined when it can. Asked once per build worker. */
function probeEngine(): Promise<string | undefined> {
  probe ??= outcomeOf(engine().posts.listPosts({ pageSize: 1 })).then((outcome) =>
    outcome.kind === 'ok' ? undefined : describe(outcome),
  );
  return probe;
}

function describe(failure: EngineFailure): string {
  switch (failure.kind) {
    case 'unavailable':
      return `engine unavailable at build time (${failure.message})`;
    default:
      return `engine refused the build's request (${failure.kind})`;
  }
}
