import type { CloudError } from '../../errors.ts';
import { reasons } from './reasons.ts';
import type { RenderedFault } from './index.ts';

// Glance answers faults as webob does: an HTML-ish text body. Clients only read the status,
// so we keep the shape ("<status> <reason>\n\n<message>") as plain text.
export function glanceFault(err: CloudError): RenderedFault {
  const title = `${err.status} ${reasons[err.status] ?? 'Error'}`;
  return { status: err.status, contentType: 'text/plain; charset=UTF-8', body: `${title}\n\n${err.message}\n\n   ` };
}
