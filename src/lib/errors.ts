// The one error model. Code below HTTP throws these; each API style renders them
// (src/lib/http/faults/*). Errors cross the bus as {code, message, kwargs} and are
// rebuilt on the other side by `errorFromWire`.

export class CloudError extends Error {
  /** HTTP status the error maps to. */
  readonly status: number = 500;
  /** Stable name used on the wire (bus) and by fault renderers. */
  readonly code: string = 'CloudError';
  /** Extra structured detail (e.g. the resource type); carried across the bus. */
  readonly kwargs: Record<string, unknown>;
  /** Extra response headers (e.g. Retry-After, WWW-Authenticate). */
  headers?: Record<string, string>;

  constructor(message: string, kwargs: Record<string, unknown> = {}) {
    super(message);
    this.kwargs = kwargs;
    this.name = new.target.name;
  }
}

function kind(status: number, code: string) {
  return class extends CloudError {
    override readonly status = status;
    override readonly code = code;
  };
}

export class BadRequest extends kind(400, 'BadRequest') {}
export class Unauthorized extends kind(401, 'Unauthorized') {}
export class Forbidden extends kind(403, 'Forbidden') {}
export class NotFound extends kind(404, 'NotFound') {}
export class MethodNotAllowed extends kind(405, 'MethodNotAllowed') {}
export class NotAcceptable extends kind(406, 'NotAcceptable') {}
export class Conflict extends kind(409, 'Conflict') {}
export class Gone extends kind(410, 'Gone') {}
export class PreconditionFailed extends kind(412, 'PreconditionFailed') {}
export class PayloadTooLarge extends kind(413, 'PayloadTooLarge') {}
/** Quota exceeded: Nova/Cinder render it as 403 or 413 depending on API; default 413. */
export class OverQuota extends kind(413, 'OverQuota') {}
export class UnsupportedMediaType extends kind(415, 'UnsupportedMediaType') {}
export class RangeNotSatisfiable extends kind(416, 'RangeNotSatisfiable') {}
export class Unprocessable extends kind(422, 'Unprocessable') {}
/** The resource is in a state that does not allow the action (Nova: 409 conflictingRequest). */
export class InvalidState extends kind(409, 'InvalidState') {}
export class NotImplemented extends kind(501, 'NotImplemented') {}
export class ServiceUnavailable extends kind(503, 'ServiceUnavailable') {}
export class Timeout extends kind(504, 'Timeout') {}

const byCode: Record<string, new (m: string, k?: Record<string, unknown>) => CloudError> = {
  BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, NotAcceptable, Conflict, Gone,
  PreconditionFailed, PayloadTooLarge, OverQuota, UnsupportedMediaType, RangeNotSatisfiable,
  Unprocessable, InvalidState, NotImplemented, ServiceUnavailable, Timeout,
};

export interface WireError { code: string; message: string; status?: number; kwargs?: Record<string, unknown> }

export function errorToWire(err: unknown): WireError {
  if (err instanceof CloudError) return { code: err.code, message: err.message, status: err.status, kwargs: err.kwargs };
  return { code: 'CloudError', message: err instanceof Error ? err.message : String(err) };
}

/** Rebuilds an error sent by errorToWire; a service's own code keeps its HTTP status. */
export function errorFromWire(w: WireError): CloudError {
  const Ctor = Object.hasOwn(byCode, w.code) ? byCode[w.code]! : CloudError;
  const err = new Ctor(w.message, w.kwargs ?? {});
  if (Ctor === CloudError && typeof w.status === 'number' && w.status >= 400 && w.status < 600) (err as { status: number }).status = w.status;
  return err;
}

/** True for errors a client caused (4xx); everything else is our fault and logged. */
export function isClientError(err: unknown): err is CloudError {
  return err instanceof CloudError && err.status < 500;
}
