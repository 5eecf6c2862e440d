// The same seeded random requests to a real Swift and to Stratus, status codes compared: what a
// hand-written case would never think to ask. Run by hand beside ../shared/anchors/swift-ref.sh:
//   ../shared/anchors/swift-ref.sh start
//   node test/conformance/swift-compare.ts http://127.0.0.1:8080 "$ADMIN_TOKEN" [SEED] [N]
// Stratus gets a fresh project with a member user; Swift (tempauth, SWIFT_AUTH, SWIFT_USER,
// SWIFT_KEY) its test account emptied. Both start with the same containers and objects, and each
// request goes to both in turn. Prints each request whose status differs, and each fault whose
// body or content type differs. Read them with the
// reference's configuration in mind: swift-ref.sh runs with allow_account_management on and
// versioning off, so account PUTs, X-Versions-Location and ?version-id differ by design.
import { request } from 'node:http';
import { prng, randomRequest } from '../object-storage/random-swift.ts';

const [stratusUrl, adminToken, seedArg, countArg] = process.argv.slice(2);
if (!stratusUrl || !adminToken) {
  console.error('usage: swift-compare.ts STRATUS_URL ADMIN_TOKEN [SEED] [N]');
  process.exit(2);
}

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; text: string }

function call(method: string, url: string, opts: { token?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    if (opts.token) headers['x-auth-token'] = opts.token;
    if (opts.body !== undefined) headers['content-length'] ??= String(Buffer.byteLength(opts.body));
    else if (method === 'PUT' || method === 'POST') headers['content-length'] ??= '0';
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', (err) => resolve({ status: 0, headers: {}, text: String(err) }));
    req.end(opts.body);
  });
}
const json = (a: Answer) => JSON.parse(a.text);

async function swiftAccount(): Promise<{ url: string; token: string }> {
  const auth = await call('GET', process.env.SWIFT_AUTH ?? 'http://127.0.0.1:18080/auth/v1.0', {
    headers: { 'X-Auth-User': process.env.SWIFT_USER ?? 'test:tester', 'X-Auth-Key': process.env.SWIFT_KEY ?? 'testing' },
  });
  const url = String(auth.headers['x-storage-url']);
  const token = String(auth.headers['x-auth-token']);
  // empty it: objects, containers, account metadata
  const containers = await call('GET', `${url}?format=json`, { token });
  for (const { name } of containers.status === 200 ? json(containers) : []) {
    const c = `${url}/${encodeURIComponent(name)}`;
    const objects = await call('GET', `${c}?format=json`, { token });
    for (const o of objects.status === 200 ? json(objects) : []) await call('DELETE', `${c}/${encodeURIComponent(o.name)}`, { token });
    await call('DELETE', c, { token });
  }
  const meta = Object.keys((await call('HEAD', url, { token })).headers).filter((h) => h.startsWith('x-account-meta-'));
  if (meta.length) await call('POST', url, { token, headers: Object.fromEntries(meta.map((h) => [`x-remove-${h.slice(2)}`, 'x'])) });
  return { url, token };
}

async function stratusAccount(): Promise<{ url: string; token: string }> {
  const identity = (method: string, path: string, body?: unknown) =>
    call(method, `${stratusUrl}/identity/v3${path}`, { token: adminToken, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const name = `compare-${Date.now().toString(36)}`;
  const project = json(await identity('POST', '/projects', { project: { name, domain_id: 'default' } })).project;
  const user = json(await identity('POST', '/users', { user: { name, password: name, domain_id: 'default' } })).user;
  const role = json(await identity('GET', '/roles?name=member')).roles[0];
  await identity('PUT', `/projects/${project.id}/users/${user.id}/roles/${role.id}`);
  const login = await call('POST', `${stratusUrl}/identity/v3/auth/tokens`, {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { id: user.id, password: name } } }, scope: { project: { id: project.id } } } }),
  });
  return { url: `${stratusUrl}/object-store/v1/AUTH_${project.id}`, token: String(login.headers['x-subject-token']) };
}

const targets = [await swiftAccount(), await stratusAccount()];
for (const t of targets) {
  for (const c of ['c', 'c2', 'vers']) await call('PUT', `${t.url}/${c}`, { token: t.token });
  await call('PUT', `${t.url}/c/o`, { token: t.token, body: '0123456789' });
  await call('PUT', `${t.url}/c/seg/1`, { token: t.token, body: 'abcdef' });
}
const seed = Number(seedArg ?? 1);
const count = Number(countArg ?? 500);
const rnd = prng(seed);
let differ = 0;
let faultDiffer = 0;
for (let i = 0; i < count; i++) {
  const r = randomRequest(rnd);
  const answers: Answer[] = [];
  for (const t of targets) answers.push(await call(r.method, t.url + r.path, { token: t.token, headers: r.headers, body: r.body }));
  const [a, b] = answers as [Answer, Answer];
  const what = { i, method: r.method, path: r.path.slice(0, 200), headers: r.headers };
  if (a.status === b.status) {
    // the same fault: then its body and content type should be Swift's too
    if (a.status >= 400 && (a.headers['content-type'] !== b.headers['content-type'] || a.text !== b.text)) {
      faultDiffer++;
      console.log(JSON.stringify({ ...what, fault: a.status, swiftType: a.headers['content-type'], stratusType: b.headers['content-type'], swiftBody: a.text.slice(0, 160), stratusBody: b.text.slice(0, 160) }));
    }
    continue;
  }
  differ++;
  console.log(JSON.stringify({ ...what, swift: a.status, stratus: b.status, swiftBody: a.text.slice(0, 160), stratusBody: b.text.slice(0, 160) }));
}
console.log(`seed ${seed}: ${differ} of ${count} requests got another status from Stratus than from Swift; ${faultDiffer} more the same fault status with another body or content type`);
