import type { CloudError } from '../../errors.ts';
import { reasons } from './reasons.ts';
import type { RenderedFault } from './index.ts';

/** Keystone: {"error": {"code": 404, "message": "...", "title": "Not Found"}} */
export function keystoneFault(err: CloudError): RenderedFault {
  const title = reasons[err.status] ?? 'Error';
  return { status: err.status, contentType: 'application/json', body: JSON.stringify({ error: { code: err.status, message: err.message, title } }) };
}
