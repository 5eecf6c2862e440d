// HTTP statuses Swift answers that the shared error classes do not name (411, 499, 501 with a body…).
import { CloudError } from '../../../lib/errors.ts';

export class SwiftStatus extends CloudError {
  override readonly status: number;
  override readonly code: string = 'SwiftStatus';
  constructor(status: number, message = '', headers?: Record<string, string>) {
    super(message);
    this.status = status;
    if (headers) this.headers = headers;
  }
}

/**
 * Marks a fault whose message Swift sends as text/plain: the constraints' checks, symlinks,
 * version ids and a few more name it; every other message is swob's default text/html.
 */
export function plain<E extends CloudError>(err: E): E {
  err.headers = { ...err.headers, 'Content-Type': 'text/plain' };
  return err;
}
