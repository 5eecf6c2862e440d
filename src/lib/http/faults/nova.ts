import type { CloudError } from '../../errors.ts';
import type { RenderedFault } from './index.ts';

// Nova (and Cinder): the body's single key names the fault kind.
const keys: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod',
  406: 'notAcceptable', 409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType', 429: 'overLimit',
  501: 'notImplemented', 503: 'serviceUnavailable',
};

export function novaFault(err: CloudError): RenderedFault {
  const key = keys[err.status] ?? 'computeFault';
  return { status: err.status, contentType: 'application/json', body: JSON.stringify({ [key]: { code: err.status, message: err.message } }) };
}
