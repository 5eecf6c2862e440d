import type { CloudError } from '../../errors.ts';
import { reasons } from './reasons.ts';
import type { RenderedFault } from './index.ts';

/** Placement: {"errors": [{"status": 409, "title": "Conflict", "detail": "...", "code": "placement.concurrent_update", "request_id": ...}]} */
export function placementFault(err: CloudError): RenderedFault {
  const code = typeof err.kwargs.errorCode === 'string' ? err.kwargs.errorCode : 'placement.undefined_code';
  const error = { status: err.status, title: reasons[err.status] ?? 'Error', detail: err.message, code };
  return { status: err.status, contentType: 'application/json', body: JSON.stringify({ errors: [error] }) };
}
