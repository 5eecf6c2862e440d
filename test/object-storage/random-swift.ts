// Random Swift requests: odd names, query parameters, header values and bodies (manifests,
// archives, bulk-delete lists) in combinations no hand-written case reaches. Used by
// random-requests.test.ts and by test/conformance/swift-compare.ts (the same requests to a real
// Swift and to Stratus, status codes compared).

/** mulberry32: small, fast and good enough to pick from lists. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONTAINERS = ['c', 'c2', 'vers', 'n'.repeat(260), '%00', '%C3%A9', 'c%2Fd', '%FF'];
const OBJECTS = ['o', 'a/b', 'a//b', '..', '.', 'x%00y', '%FF%FE', '%E2%82%AC', 'n'.repeat(1030), 'sp%20ace', 'seg/1', 'dir/', 'slo', 'dlo', 'cp'];
const HEADERS = ['X-Delete-At', 'X-Delete-After', 'Range', 'If-Match', 'If-None-Match', 'If-Modified-Since', 'If-Unmodified-Since',
  'X-Copy-From', 'X-Copy-From-Account', 'Destination', 'Destination-Account', 'X-Fresh-Metadata', 'X-Object-Manifest',
  'X-Static-Large-Object', 'Content-Type', 'Content-Disposition', 'Content-Encoding', 'ETag', 'X-Versions-Location',
  'X-History-Location', 'X-Versions-Enabled', 'X-Remove-Versions-Location', 'X-Container-Read', 'X-Container-Write',
  'X-Account-Access-Control', 'X-Container-Meta-Quota-Bytes', 'X-Container-Meta-Quota-Count', 'X-Container-Meta-Temp-URL-Key',
  'X-Account-Meta-Temp-URL-Key', 'X-Object-Meta-K', 'X-Container-Meta-K', 'X-Account-Meta-K', 'X-Remove-Container-Meta-K',
  'X-Storage-Policy', 'X-Detect-Content-Type', 'X-Symlink-Target', 'Accept', 'X-Timestamp', 'X-Open-Expired'];
const VALUES = ['', '0', '-1', '1', '99999999999999999999', '1.5', 'abc', '{}', '[]', '{"a":1}', 'null', '*', 'bytes=0-0',
  'bytes=-5', 'bytes=5-', 'bytes=0-1,3-4', 'bytes=9-1', 'bytes=x', 'c/o', '/c/o', 'c', 'c/', '/', '%00',
  'Thu, 01 Jan 1970 00:00:00 GMT', 'no date', 'true', 'false', '.r:*', '.r:*,.rlistings', 'a:b', '.r:-x', 'text/plain',
  'application/json', 'x'.repeat(300), ' 5', '0x10', '{"read-only":["*"]}', String(Math.floor(Date.now() / 1000) + 3600)];
const QUERY_KEYS = ['format', 'limit', 'marker', 'end_marker', 'prefix', 'delimiter', 'path', 'reverse', 'multipart-manifest',
  'version-id', 'versions', 'bulk-delete', 'extract-archive', 'temp_url_sig', 'temp_url_expires', 'temp_url_prefix', 'filename',
  'inline', 'symlink'];
const QUERY_VALUES = ['', 'json', 'xml', 'plain', 'get', 'put', 'delete', 'tar', 'tar.gz', '0', '-1', '10001', 'abc', 'a/',
  '/', 'on', 'true', '%00', '%FF', 'z'.repeat(2000), 'a'.repeat(40), String(Math.floor(Date.now() / 1000) + 3600)];

export interface RandomRequest {
  method: string;
  /** Below the account URL: '', '/container', '/container/object', with a query or not. */
  path: string;
  /** Aimed at another project's account (a share `foreignShare` of them). */
  foreign: boolean;
  /** A bulk operation, which Swift answers 200 with each entry's outcome in the body. */
  bulk: boolean;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/**
 * One request of the kind the hand-written cases do not reach. The names assume an account
 * holding containers c, c2 and vers, and objects c/o ('0123456789') and c/seg/1.
 */
export function randomRequest(rnd: () => number, foreignShare = 0): RandomRequest {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const method = pick(['GET', 'HEAD', 'PUT', 'PUT', 'PUT', 'POST', 'DELETE', 'COPY']);
  const foreign = rnd() < foreignShare;
  const depth = pick([0, 1, 2, 2, 2]);
  let path = depth === 0 ? '' : depth === 1 ? `/${pick(CONTAINERS)}` : `/${pick(CONTAINERS)}/${pick(OBJECTS)}`;
  if (rnd() < 0.5) path += '?' + Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => `${pick(QUERY_KEYS)}=${pick(QUERY_VALUES)}`).join('&');
  const headers: Record<string, string> = {};
  for (let k = Math.floor(rnd() * 4); k > 0; k--) headers[pick(HEADERS)] = pick(VALUES);
  let body: string | Buffer | undefined;
  if (method === 'PUT' || method === 'POST' || method === 'DELETE') {
    body = pick([undefined, '', 'hello', manifest(rnd, pick), manifest(rnd, pick), tarLike(rnd, pick), 'c/o\nc/absent\n/c2\n', Buffer.alloc(70_000, 1)]);
  }
  // Swift's bulk middleware runs before authentication and answers 200 with each entry's
  // outcome (403 for another's account) in the body: only other requests must fail outright.
  const query = new URLSearchParams(path.split('?')[1] ?? '');
  const bulk = (method === 'PUT' && query.has('extract-archive')) || ((method === 'POST' || method === 'DELETE') && query.has('bulk-delete'));
  return { method, path, foreign, bulk, headers, body };
}

/** An SLO manifest, well-formed or not. */
function manifest(rnd: () => number, pick: <T>(a: readonly T[]) => T): string {
  const segments = Array.from({ length: Math.floor(rnd() * 4) }, () => {
    const s: Record<string, unknown> = {};
    if (rnd() < 0.9) s.path = pick(['/c/o', '/c/seg/1', 'c/o', '/c', '/c/absent', '/c2/o', '/c/slo', '', 5, null, '/c/%00']);
    if (rnd() < 0.4) s.etag = pick([null, '', 'abc', '781e5e245d69b566979b86e28d23f2c7', 5]);
    if (rnd() < 0.4) s.size_bytes = pick([null, 0, 10, -1, '10', 1e20, 'x']);
    if (rnd() < 0.3) s.range = pick(['0-1', '-1', '5-', 'x', '1-0', '0-99999', '']);
    if (rnd() < 0.2) s.data = pick(['', 'aGVsbG8=', '!!!', 5]);
    return s;
  });
  return pick([JSON.stringify(segments), JSON.stringify(segments), '{', '""', '{"path":"/c/o"}', '[[1]]', '[null]']);
}

/** A block that looks like a tar header with random damage. */
function tarLike(rnd: () => number, pick: <T>(a: readonly T[]) => T): Buffer {
  const b = Buffer.alloc(1024 + Math.floor(rnd() * 2048));
  for (let i = 0; i < b.length; i++) b[i] = rnd() < 0.5 ? 0 : Math.floor(rnd() * 256);
  b.write(pick(['c/x', 'a/b/c', '', '../x', 'x'.repeat(100)]), 0);
  b.write('0000644\0', 100);
  b.write(pick(['00000000012\0', '77777777777\0', 'zzzz', '-1']), 124);
  b.write('ustar\0', 257);
  return b;
}
