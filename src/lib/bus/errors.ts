// Errors the bus itself raises, and rebuilding errors that crossed the bus.
// The names and messages follow oslo.messaging (UnsupportedVersion, NoSuchMethod) so logs read
// the same. They are 500s: a version or method mismatch is a deployment bug, not the user's.

import { CloudError, errorFromWire } from '../errors.ts';
import type { WireError } from '../errors.ts';

export type CloudErrorClass = new (message: string, kwargs?: Record<string, unknown>) => CloudError;

/** No endpoint of the server implements the requested RPC API version. */
export class UnsupportedVersion extends CloudError {
  override readonly code = 'UnsupportedVersion';
}

/** The server's endpoint (at a compatible version) has no such method. */
export class NoSuchMethod extends CloudError {
  override readonly code = 'NoSuchMethod';
}

const busErrors: Record<string, CloudErrorClass> = { UnsupportedVersion, NoSuchMethod };

/**
 * Rebuild an error received over the bus. Bus errors and the CloudError family are known;
 * `extra` adds a service's own subclasses (as oslo's allowed_remote_exmods), since
 * errorFromWire alone would turn an unknown code into a plain CloudError.
 */
export function rebuildError(w: WireError, extra: Record<string, CloudErrorClass> = {}): CloudError {
  const Ctor = Object.hasOwn(extra, w.code) ? extra[w.code] : Object.hasOwn(busErrors, w.code) ? busErrors[w.code] : undefined;
  if (Ctor) return new Ctor(w.message, w.kwargs ?? {});
  const err = errorFromWire(w);
  // errorFromWire looks codes up on a plain object: a code like 'constructor' must not escape.
  return err instanceof CloudError ? err : new CloudError(String(w.message), w.kwargs ?? {});
}
