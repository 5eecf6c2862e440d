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
