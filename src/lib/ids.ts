// Identifiers as OpenStack uses them.
import { randomUUID, randomBytes } from 'node:crypto';

/** Keystone style: a uuid4 hex string without dashes. */
export const hexId = (): string => randomUUID().replaceAll('-', '');
/** Nova/Neutron/Glance style: a dashed uuid4. */
export const uuid = (): string => randomUUID();
/** `req-<uuid>`, the x-openstack-request-id format. */
export const requestId = (): string => `req-${randomUUID()}`;
/** URL-safe random string (no padding), e.g. secrets. */
export const randomSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
export const isUuidLike = (s: string): boolean => UUID_RE.test(s);
