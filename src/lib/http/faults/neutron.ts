import type { CloudError } from '../../errors.ts';
import type { RenderedFault } from './index.ts';

/** Neutron: {"NeutronError": {"type": "NetworkNotFound", "message": "...", "detail": ""}} */
export function neutronFault(err: CloudError): RenderedFault {
  const type = typeof err.kwargs.type === 'string' ? err.kwargs.type : err.code;
  return { status: err.status, contentType: 'application/json', body: JSON.stringify({ NeutronError: { type, message: err.message, detail: '' } }) };
}
