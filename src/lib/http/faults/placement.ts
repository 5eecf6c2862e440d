import type { CloudError } from '../../errors.ts';
import { reasons } from './reasons.ts';
import type { RenderedFault } from './index.ts';

/**
 * Placement: {"errors": [{"status": 409, "title": "Conflict", "detail": "...", "code": "placement.concurrent_update"}]}.
 * A 406 for an unsupported microversion also carries min_version/max_version, which clients
 * (osc-placement's version negotiation) read to fall back.
 */
export function placementFault(err: CloudError): RenderedFault {
  const code = typeof err.kwargs.errorCode === 'string' ? err.kwargs.errorCode : 'placement.undefined_code';
  const error: Record<string, unknown> = { status: err.status, title: reasons[err.status] ?? 'Error', detail: err.message, code };
  if (err.status === 406 && typeof err.kwargs.maxVersion === 'string') {
    error.max_version = err.kwargs.maxVersion;
    error.min_version = err.kwargs.minVersion;
  }
  return { status: err.status, contentType: 'application/json', body: JSON.stringify({ errors: [error] }) };
}
