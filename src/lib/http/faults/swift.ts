import type { CloudError } from '../../errors.ts';
import { reasons } from './reasons.ts';
import type { RenderedFault } from './index.ts';

/** Swift: a short HTML body, e.g. "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>". */
export function swiftFault(err: CloudError): RenderedFault {
  const title = reasons[err.status] ?? 'Error';
  return { status: err.status, contentType: 'text/html; charset=UTF-8', body: `<html><h1>${title}</h1><p>${escape(err.message)}</p></html>` };
}
const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
