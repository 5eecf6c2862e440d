// Symlinks (Swift's symlink middleware): a zero-byte object whose sysmeta names another object,
// "<container>/<object>" (%-encoded, as Swift stores it) and optionally its account. GET and
// HEAD follow it to the target (at most SYMLOOP_MAX links in a row), each hop authorized as a
// request of its own; `?symlink=get` reaches the link itself. A static link also records the
// target's ETag and size when it is made, and a GET refuses a target whose ETag has changed.
import { BadRequest, Conflict, PreconditionFailed } from '../../../lib/errors.ts';
import type { ObjectRow } from '../db/rows.ts';
import type { SwiftRequest } from '../api/swift-http.ts';
import { normalizeEtag } from './conditional.ts';
import { plain } from './errors.ts';
import type { SwiftDeps } from './deps.ts';
import { containerObjectPath, headerPath, type HeaderMap } from './metadata.ts';
import { isExpired, type ObjectKey } from './objects.ts';
import { pyQuote } from './quote.ts';
import { authorizeSub } from './sub-requests.ts';

export const SYMLOOP_MAX = 2;

const TARGET = 'X-Object-Sysmeta-Symlink-Target';
const TARGET_ACCOUNT = 'X-Object-Sysmeta-Symlink-Target-Account';
const TARGET_ETAG = 'X-Object-Sysmeta-Symlink-Target-Etag';
const TARGET_BYTES = 'X-Object-Sysmeta-Symlink-Target-Bytes';

export const isSymlink = (o: { sysmeta: HeaderMap }) => o.sysmeta[TARGET] !== undefined;

/** A link's own headers, as `?symlink=get` shows them. */
export function symlinkHeaders(o: ObjectRow): Record<string, string> {
  const h: Record<string, string> = {};
  h['X-Symlink-Target'] = o.sysmeta[TARGET]!;
  if (o.sysmeta[TARGET_ACCOUNT] !== undefined) h['X-Symlink-Target-Account'] = o.sysmeta[TARGET_ACCOUNT];
  if (o.sysmeta[TARGET_ETAG] !== undefined) h['X-Symlink-Target-Etag'] = o.sysmeta[TARGET_ETAG];
  if (o.sysmeta[TARGET_BYTES] !== undefined) h['X-Symlink-Target-Bytes'] = o.sysmeta[TARGET_BYTES];
  return h;
}

/** The keys a container listing adds for a symlink: symlink_etag and symlink_bytes for a static one, then symlink_path. */
export function symlinkListingFields(sysmeta: HeaderMap, account: string): Record<string, string | number> {
  if (sysmeta[TARGET] === undefined) return {};
  const fields: Record<string, string | number> = {};
  if (sysmeta[TARGET_ETAG] !== undefined) { fields['symlink_etag'] = sysmeta[TARGET_ETAG]; fields['symlink_bytes'] = Number(sysmeta[TARGET_BYTES]); }
  fields['symlink_path'] = `/v1/${sysmeta[TARGET_ACCOUNT] ?? pyQuote(account)}/${sysmeta[TARGET]}`;
  return fields;
}

/** symlinkListingFields as JSON text to append to a record, from sysmeta as the listing query reads it (a JSON text). */
export function symlinkListingKeys(sysmetaJson: string, account: string): string {
  if (!sysmetaJson.includes(TARGET)) return '';
  return Object.entries(symlinkListingFields(JSON.parse(sysmetaJson) as HeaderMap, account)).map(([k, v]) => `, "${k}": ${JSON.stringify(v)}`).join('');
}

/** Where a link points, as a path under the service (Content-Location, the POST redirect). */
export const targetLocation = (req: SwiftRequest, link: { account: string; sysmeta: HeaderMap }) =>
  `${req.prefix}/${req.version ?? 'v1'}/${link.sysmeta[TARGET_ACCOUNT] ?? pyQuote(link.account)}/${link.sysmeta[TARGET]}`;

function targetKey(link: ObjectRow): ObjectKey {
  const account = link.sysmeta[TARGET_ACCOUNT];
  return { account: account === undefined ? link.account : headerPath(account), ...containerObjectPath(link.sysmeta[TARGET]!, 'X-Symlink-Target') };
}

// Swift's symlink middleware writes its own messages as text/plain (not the 412s on the
// target's form, which come from Swift's shared header checks)
const conflict = (message: string, location?: string) => {
  const err = plain(new Conflict(message));
  if (location) err.headers = { ...err.headers, 'Content-Location': location };
  return err;
};

/** Each hop is a request of its own (sub-requests.ts). */
async function readTarget(deps: SwiftDeps, req: SwiftRequest, key: ObjectKey): Promise<ObjectRow | undefined> {
  const path = await authorizeSub(deps, req, { method: req.method === 'HEAD' ? 'HEAD' : 'GET', account: key.account, container: key.container, object: key.name });
  const o = path.container ? path.object : undefined;
  return o && !isExpired(o, deps.now()) ? o : undefined;
}

export interface Followed { target?: ObjectRow; location: string }

/**
 * Follows `link` to the object it ends at (`target` undefined: there is none). `follow: false`
 * follows static links only (a static link's validation); `expect` is the ETag the previous
 * static link recorded.
 */
async function walk(deps: SwiftDeps, req: SwiftRequest, link: ObjectRow, opts: { follow: boolean; expect?: string; location?: string }): Promise<Followed> {
  let o = link;
  let expect = opts.expect;
  let location = opts.location ?? '';
  for (let loops = 0; ; loops++) {
    const recorded = o.sysmeta[TARGET_ETAG];
    if (isSymlink(o) && (recorded !== undefined || opts.follow)) {
      if (expect !== undefined && expect !== (recorded ?? o.etag)) throw conflict('X-Symlink-Target-Etag headers do not match', location);
      if (loops >= SYMLOOP_MAX) throw plain(new Conflict(`Too many levels of symbolic links, maximum allowed is ${SYMLOOP_MAX}`));
      location = targetLocation(req, o);
      expect = recorded;
      const next = await readTarget(deps, req, targetKey(o));
      if (!next) return { location };
      o = next;
      continue;
    }
    if (expect !== undefined && o.etag !== expect) throw conflict(`Object Etag '${o.etag}' does not match X-Symlink-Target-Etag header '${expect}'`, location);
    return { target: o, location };
  }
}

/** GET/HEAD (and the source of a copy) through a link. */
export const followSymlink = (deps: SwiftDeps, req: SwiftRequest, link: ObjectRow) => walk(deps, req, link, { follow: true });

/**
 * A PUT with X-Symlink-Target (the body must be empty; the caller checks): validates the
 * headers as Swift does and returns the link's sysmeta and its default Content-Type.
 */
export async function symlinkPut(deps: SwiftDeps, req: SwiftRequest, key: ObjectKey): Promise<{ sysmeta: HeaderMap; contentType?: string }> {
  const raw = req.headers['x-symlink-target']!;
  // the middleware's own check (text/plain), before Swift's shared one on the form (text/html)
  if (headerPath(raw).startsWith('/')) throw plain(new PreconditionFailed('X-Symlink-Target header must be of the form <container name>/<object name>'));
  const target: ObjectKey = { account: key.account, ...containerObjectPath(raw, 'X-Symlink-Target') };
  const sysmeta: HeaderMap = { [TARGET]: pyQuote(`${target.container}/${target.name}`) };
  if (req.headers['x-symlink-target-account'] !== undefined) {
    const account = headerPath(req.headers['x-symlink-target-account']);
    if (!account) throw new PreconditionFailed('Account name cannot be empty');
    if (account.includes('/')) throw new PreconditionFailed('Account name cannot contain slashes');
    target.account = account;
    sysmeta[TARGET_ACCOUNT] = pyQuote(account);
  }
  if (target.account === key.account && target.container === key.container && target.name === key.name) throw plain(new BadRequest('Symlink cannot target itself'));
  const etag = req.headers['x-symlink-target-etag'] !== undefined ? normalizeEtag(req.headers['x-symlink-target-etag']) : '';
  if (/[;"\\]/.test(etag)) throw plain(new BadRequest('Bad X-Symlink-Target-Etag format'));
  if (!etag) return { sysmeta, contentType: req.headers['content-type'] ? undefined : 'application/symlink' };

  // a static link: the target must exist now, with that ETag
  const location = targetLocation(req, { account: key.account, sysmeta });
  const first = await readTarget(deps, { ...req, method: 'HEAD' }, target);
  if (!first) throw conflict('X-Symlink-Target does not exist', location);
  const { target: end } = await walk(deps, { ...req, method: 'HEAD' }, first, { follow: false, expect: etag, location });
  if (!end) throw conflict('X-Symlink-Target does not exist', location);
  sysmeta[TARGET_ETAG] = etag;
  sysmeta[TARGET_BYTES] = end.sysmeta['X-Object-Sysmeta-Slo-Size'] ?? String(end.size);
  return { sysmeta, contentType: req.headers['content-type'] ? undefined : end.content_type.replace(/;\s*swift_bytes=\d+/, '') };
}
