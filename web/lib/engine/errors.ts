import 'server-only';
import { Code, ConnectError } from '@connectrpc/connect';
import { BadRequestSchema } from '@quire/gen/google/rpc/error_details_pb';

/**
 * The one place where engine errors (gRPC status codes) become outcomes that
 * pages and Server Actions can switch over exhaustively.
 */
export type EngineFailure =
  | { kind: 'not-found' }
  /** `fieldErrors` maps a request field path (`post.title`) to its problem. */
  | { kind: 'invalid'; fieldErrors: Record<string, string> }
  /**
   * Stale etag, taken slug, a state that forbids the change, or a request id
   * already used for another request (an earlier attempt did take effect).
   */
  | { kind: 'conflict' }
  | { kind: 'unauthenticated' }
  | { kind: 'forbidden' }
  | { kind: 'rate-limited' }
  /** `message` is for server logs only; never show it to a reader. */
  | { kind: 'unavailable'; message: string };

export type Outcome<T> = { kind: 'ok'; value: T } | EngineFailure;

/** The field of every mutation's idempotency key (AIP-155), as the engine's violations name it. */
const REQUEST_ID_PATH = 'request_id';

/**
 * Maps an engine error to a failure outcome. Anything that is not a
 * ConnectError is a bug (or a Next.js control-flow signal such as
 * `notFound()`), so it is rethrown untouched.
 */
export function failureFrom(error: unknown): EngineFailure {
  if (!(error instanceof ConnectError)) throw error;
  switch (error.code) {
    case Code.NotFound:
      return { kind: 'not-found' };
    case Code.InvalidArgument:
    case Code.OutOfRange: {
      const fieldErrors = fieldErrorsOf(error);
      // The web sends only well-formed request ids (lib/request-id.ts), so a
      // violation of one means it was used before for a different request:
      // an attempt whose answer was lost took effect, and nothing in the form
      // is wrong. The form's next submission carries a new id.
      if (REQUEST_ID_PATH in fieldErrors) return { kind: 'conflict' };
      return { kind: 'invalid', fieldErrors };
    }
    case Code.AlreadyExists:
    case Code.Aborted:
    case Code.FailedPrecondition:
      return { kind: 'conflict' };
    case Code.Unauthenticated:
      return { kind: 'unauthenticated' };
    case Code.PermissionDenied:
      return { kind: 'forbidden' };
    case Code.ResourceExhausted:
      return { kind: 'rate-limited' };
    // The engine is down, slow or misbehaving: the caller can only retry later.
    case Code.Unavailable:
    case Code.DeadlineExceeded:
    case Code.Canceled:
    case Code.Unknown:
    case Code.Internal:
    case Code.DataLoss:
    case Code.Unimplemented:
      return { kind: 'unavailable', message: error.message };
    default: {
      const unhandled: never = error.code;
      return { kind: 'unavailable', message: `unexpected code ${String(unhandled)}: ${error.message}` };
    }
  }
}

/**
 * Whether an engine call answered NOT_FOUND: the one failure that cached
 * reads turn into a value ("no such post"), since it is an answer, not an outage.
 */
export function isNotFound(error: unknown): boolean {
  return error instanceof ConnectError && error.code === Code.NotFound;
}

/** Awaits a direct (uncached) engine call and returns its outcome instead of throwing. */
export async function outcomeOf<T>(call: Promise<T>): Promise<Outcome<T>> {
  try {
    return { kind: 'ok', value: await call };
  } catch (error) {
    return failureFrom(error);
  }
}

/** Field violations from a `google.rpc.BadRequest` detail; the first one per field wins. */
export function fieldErrorsOf(error: ConnectError): Record<string, string> {
  const fieldErrors: Record<string, string> = {};
  for (const badRequest of error.findDetails(BadRequestSchema)) {
    for (const violation of badRequest.fieldViolations) {
      fieldErrors[violation.field] ??= violation.description;
    }
  }
  return fieldErrors;
}
