import 'server-only';
import { engineHealth } from '@/lib/engine/health';

/**
 * The answer of GET /healthz, for load balancers and container checks: 200
 * while the engine answers SERVING (every page and action needs it), 503
 * otherwise, within about a second (ENGINE_HEALTH_TIMEOUT_MS). Never stored
 * by a cache in between: a stale "healthy" would hide an outage.
 */
export async function healthResponse(): Promise<Response> {
  const engine = await engineHealth();
  return Response.json({ engine }, { status: engine === 'serving' ? 200 : 503, headers: { 'cache-control': 'no-store' } });
}
