// Containers: the headers a PUT/POST may set (metadata, ACLs, quotas, versioning, sync), their
// validation as Swift's proxy and middleware do it, and the headers a HEAD/GET shows.
import { BadRequest, PreconditionFailed } from '../../../lib/errors.ts';
import type { ContainerRow } from '../db/rows.ts';
import { cleanAcl } from './acl.ts';
import { POLICY_NAME, type SwiftDeps } from './deps.ts';
import { truthy } from './listing-format.ts';
import { checkMetadata, checkStoredMetadata, mergeMetadata, type HeaderMap } from './metadata.ts';
import { httpDate, parseTs } from './timestamp.ts';
import { plain } from './errors.ts';
import { pyRepr } from './quote.ts';

const OWNER_ONLY = new Set(['X-Container-Read', 'X-Container-Write', 'X-Container-Sync-Key', 'X-Container-Sync-To',
  'X-Container-Meta-Temp-Url-Key', 'X-Container-Meta-Temp-Url-Key-2']);
const OWNER_HEADERS = ['x-container-read', 'x-container-write', 'x-container-sync-to', 'x-container-sync-key'];
const OTHER_HEADERS = ['x-versions-location', 'x-history-location', 'x-versions-enabled'];

export function containerHeaders(row: ContainerRow, owner: boolean): Record<string, string> {
  const out: Record<string, string> = {
    'X-Container-Object-Count': String(row.object_count),
    'X-Container-Bytes-Used': String(row.bytes_used),
    'X-Timestamp': row.created_at,
    'X-Put-Timestamp': row.put_timestamp,
    'Last-Modified': httpDate(parseTs(row.put_timestamp)),
    'X-Storage-Policy': row.policy,
    'Accept-Ranges': 'bytes',
  };
  for (const [k, v] of Object.entries(row.headers)) {
    if (k.startsWith('X-Container-Sysmeta-')) continue;
    if (owner || !OWNER_ONLY.has(k)) out[k] = v;
  }
  return out;
}

export function checkContainerName(deps: SwiftDeps, name: string): void {
  const len = Buffer.byteLength(name);
  if (len > deps.constraints.max_container_name_length) {
    throw new BadRequest(`Container name length of ${len} longer than ${deps.constraints.max_container_name_length}`);
  }
}

/** The storage policy a container PUT asks for (there is one: Policy-0). */
export function requestedPolicy(headers: HeaderMap): string | undefined {
  const p = headers['x-storage-policy'];
  if (p === undefined) return undefined;
  if (p.toLowerCase() !== POLICY_NAME.toLowerCase()) throw plain(new BadRequest(`Invalid X-Storage-Policy '${p}'`));
  return POLICY_NAME;
}

function checkSyncTo(deps: SwiftDeps, value: string): void {
  // validate_sync_to's checks and messages
  const v = value.replace(/\/+$/, '');
  if (!v) return;
  if (v.startsWith('//')) {
    const parts = v.slice(2).split('/');
    if (parts.length !== 4) throw new BadRequest(`Invalid X-Container-Sync-To format ${pyRepr(value)}`);
    const [realm, cluster] = parts as [string, string];
    const known = deps.config.list('object_storage.sync_realms') ?? [];
    if (!known.some((r) => r.split('/')[0]!.toLowerCase() === realm.toLowerCase())) throw new BadRequest(`No realm key for ${pyRepr(realm)}`);
    if (!known.some((r) => r.toLowerCase() === `${realm}/${cluster}`.toLowerCase())) throw new BadRequest(`No cluster endpoint for ${pyRepr(realm)} ${pyRepr(cluster)}`);
    return;
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(v)?.[1]?.toLowerCase() ?? '';
  if (scheme !== 'http' && scheme !== 'https') throw new BadRequest(`Invalid scheme ${pyRepr(scheme)} in X-Container-Sync-To, must be "//", "http", or "https".`);
  // Swift syncs to the hosts in allowed_sync_hosts; Stratus only within itself, through realms
  let host = '';
  try { host = new URL(v).hostname; } catch { /* as Swift: no host is no allowed host */ }
  throw new BadRequest(`Invalid host ${pyRepr(host)} in X-Container-Sync-To`);
}

/**
 * Validates a container PUT/POST and returns the new stored headers. ACL and sync headers from a
 * non-owner are ignored, as Swift's proxy strips them.
 */
export function containerUpdate(deps: SwiftDeps, stored: HeaderMap, raw: HeaderMap, owner: boolean): HeaderMap {
  const headers = { ...raw };
  if (!owner) for (const h of OWNER_HEADERS) { delete headers[h]; delete headers[h.replace('x-', 'x-remove-')]; }
  checkMetadata(headers, 'container', deps.constraints);
  for (const h of ['x-container-read', 'x-container-write']) if (headers[h]) headers[h] = cleanAcl(h, headers[h]);
  const qb = headers['x-container-meta-quota-bytes'];
  if (qb && !/^\d+$/.test(qb)) throw new BadRequest('Invalid bytes quota.');
  const qc = headers['x-container-meta-quota-count'];
  if (qc && !/^\d+$/.test(qc)) throw new BadRequest('Invalid count quota.');
  if (headers['x-versions-location'] && headers['x-history-location']) {
    throw new BadRequest('Only one of X-Versions-Location or X-History-Location may be specified');
  }
  for (const h of ['x-versions-location', 'x-history-location']) {
    const v = headers[h];
    if (!v) continue;
    let name: string;
    try { name = decodeURIComponent(v); } catch { throw new BadRequest(`Invalid ${h}`); }
    if (name.includes('/')) throw new PreconditionFailed('Container name cannot contain slashes');
    checkContainerName(deps, name);
  }
  const enabled = headers['x-versions-enabled'];
  if (enabled !== undefined) {
    if (!['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', 't', 'f', 'y', 'n'].includes(enabled.toLowerCase())) {
      throw new BadRequest('X-Versions-Enabled value must be true or false');
    }
    headers['x-versions-enabled'] = truthy(enabled) ? 'True' : 'False';
  }
  if (headers['x-container-sync-to'] !== undefined) checkSyncTo(deps, headers['x-container-sync-to']);
  const merged = mergeMetadata(stored, headers, 'container', [...OWNER_HEADERS, ...OTHER_HEADERS]);
  // setting one versioning mode turns the other off (versioned_writes)
  if (headers['x-versions-location']) delete merged['X-History-Location'];
  if (headers['x-history-location']) delete merged['X-Versions-Location'];
  if (merged['X-Versions-Enabled'] === 'True' && (merged['X-Versions-Location'] || merged['X-History-Location'])) {
    throw new BadRequest('Cannot enable object versioning on a container configured with X-Versions-Location or X-History-Location');
  }
  checkStoredMetadata(merged, 'container', deps.constraints);
  return merged;
}
