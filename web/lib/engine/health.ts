import 'server-only';
import { ConnectError } from '@connectrpc/connect';
import { engine } from './clients';
import { HealthCheckResponse_ServingStatus as ServingStatus } from '@quire/gen/grpc/health/v1/health_pb';

/** How long the engine may take to say whether it serves; a slower engine counts as down. */
export const ENGINE_HEALTH_TIMEOUT_MS = 1_000;

/** Whether the engine serves, as its health service says, or why not. */
export type EngineHealth = 'serving' | 'not-serving' | 'unreachable';

/**
 * Asks the engine's health service about the server as a whole (service "",
 * which the engine reports NOT_SERVING until its database is migrated and
 * while PostgreSQL is down). One attempt over the shared transport, the one
 * every page uses: the retries of reads (retry.ts) do not apply to it, so a
 * down engine is reported within the deadline.
 */
export async function engineHealth(): Promise<EngineHealth> {
  try {
    const { status } = await engine().health.check({ service: '' }, { timeoutMs: ENGINE_HEALTH_TIMEOUT_MS });
    return status === ServingStatus.SERVING ? 'serving' : 'not-serving';
  } catch (error) {
    // Refused, reset, timed out, or any other status: all mean the web cannot serve from the engine.
    if (error instanceof ConnectError) return 'unreachable';
    throw error;
  }
}
