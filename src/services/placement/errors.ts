// Placement's error codes (placement/errors.py) and the errors that carry them. The fault
// renderer (src/lib/http/faults/placement.ts) puts `errorCode` in the body's `code`.
import { BadRequest, Conflict, NotFound } from '../../lib/errors.ts';

export const codes = {
  DEFAULT: 'placement.undefined_code',
  INVENTORY_INUSE: 'placement.inventory.inuse',
  CONCURRENT_UPDATE: 'placement.concurrent_update',
  DUPLICATE_NAME: 'placement.duplicate_name',
  PROVIDER_IN_USE: 'placement.resource_provider.inuse',
  PROVIDER_CANNOT_DELETE_PARENT: 'placement.resource_provider.cannot_delete_parent',
  RESOURCE_PROVIDER_NOT_FOUND: 'placement.resource_provider.not_found',
  ILLEGAL_DUPLICATE_QUERYPARAM: 'placement.query.duplicate_key',
  QUERYPARAM_BAD_VALUE: 'placement.query.bad_value',
  QUERYPARAM_MISSING_VALUE: 'placement.query.missing_value',
} as const;
export type ErrorCode = (typeof codes)[keyof typeof codes];

export const conflict = (message: string, code: ErrorCode = codes.DEFAULT) => new Conflict(message, { errorCode: code });
export const concurrentUpdate = (message: string) => conflict(message, codes.CONCURRENT_UPDATE);
export const badRequest = (message: string, code: ErrorCode = codes.DEFAULT) => new BadRequest(message, { errorCode: code });
export const notFound = (message: string) => new NotFound(message);

/** Raised inside a transaction to roll it back and run it again (PostgreSQL deadlock, lost race). */
export class RetryTransaction extends Error {}
