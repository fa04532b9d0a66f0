/**
 * Why a call failed, independent of the transport: each server turns an
 * ApiError into its own status (connect-server.ts, grpcjs-server.ts). The
 * codes are gRPC's status codes, the same numbers in every gRPC library.
 */

import type { FieldViolation, FieldViolations } from './validation';

export const StatusCode = {
  InvalidArgument: 3,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  Internal: 13,
  Unavailable: 14,
  Unauthenticated: 16,
} as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

export class ApiError extends Error {
  constructor(
    readonly code: StatusCode,
    message: string,
    /** Sent as a google.rpc.BadRequest detail. */
    readonly violations: readonly FieldViolation[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ApiError';
  }

  static invalid(violations: FieldViolations): ApiError {
    const summary = violations.list.map((v) => `${v.field}: ${v.description}`).join('; ');
    return new ApiError(StatusCode.InvalidArgument, summary, violations.list);
  }

  static invalidField(field: string, description: string): ApiError {
    return new ApiError(StatusCode.InvalidArgument, `${field}: ${description}`, [{ field, description }]);
  }

  static notFound(what: string): ApiError {
    return new ApiError(StatusCode.NotFound, `${what} not found`);
  }

  static taken(field: string): ApiError {
    return new ApiError(StatusCode.AlreadyExists, `${field} is already in use`, [
      { field, description: 'is already in use' },
    ]);
  }

  static unauthenticated(message: string): ApiError {
    return new ApiError(StatusCode.Unauthenticated, message);
  }

  static permissionDenied(message: string): ApiError {
    return new ApiError(StatusCode.PermissionDenied, message);
  }
}

// Errors of the pg driver and of the network under it: retrying may help.
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/**
 * Any thrown value as an ApiError. Unexpected failures are logged with their
 * cause and answered with an opaque message, so SQL never reaches a client.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const errno = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (
    (typeof errno === 'string' && UNAVAILABLE_ERRNOS.has(errno)) ||
    // pg-pool, when no connection frees up within connectionTimeoutMillis.
    message.startsWith('timeout exceeded when trying to connect') ||
    // PostgreSQL's own "cannot connect now" class (57P0x).
    (typeof errno === 'string' && errno.startsWith('57P'))
  ) {
    console.warn(`database unavailable: ${message}`);
    return new ApiError(StatusCode.Unavailable, 'the content store is unavailable; try again shortly');
  }
  console.error('internal error:', error);
  return new ApiError(StatusCode.Internal, 'internal error', [], { cause: error });
}
