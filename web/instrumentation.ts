/**
 * Runs once when a server starts: the TCP peer of every request from now on
 * (lib/peer-address.ts), tracing when configured
 * (lib/telemetry/), then each replica follows the engine's change
 * stream to expire the cache tags that changes affect (lib/changes/). Not on
 * the edge runtime, and not while `next build` prerenders.
 */
export async function register(): Promise<void> {
  // Next.js's own variables (which runtime, which phase), not configuration.
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return;
  // First, before anything it awaits: the server is already accepting requests.
  const { recordPeerAddresses } = await import('./lib/peer-address');
  recordPeerAddresses();
  const [{ env }, { registerTelemetry }] = await Promise.all([import('./lib/env'), import('./lib/telemetry/register')]);
  const { OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME } = env();
  registerTelemetry({ endpoint: OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: OTEL_SERVICE_NAME });
  const { startChangeFollower } = await import('./lib/changes/start');
  // A restarted replica applies the changes it missed before it serves (at most a few seconds).
  await startChangeFollower();
}
