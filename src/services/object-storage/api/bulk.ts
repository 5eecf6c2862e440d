// The bulk middleware: PUT ?extract-archive=tar|tar.gz (each file of the archive becomes an
// object, streamed straight from the archive) and DELETE or POST ?bulk-delete (a newline list of
// paths). Both answer 200 with the outcome in the body, as Swift does.
import { createGunzip } from 'node:zlib';
import { BadRequest, CloudError, Conflict, NotFound } from '../../../lib/errors.ts';
import * as store from '../db/store.ts';
import { authorize } from '../service/auth.ts';
import { parseAccountAcl } from '../service/acl.ts';
import { ensureAccount } from '../service/accounts.ts';
import { checkContainerName } from '../service/containers.ts';
import { POLICY_NAME, type SwiftDeps } from '../service/deps.ts';
import { guessContentType } from '../service/mimetypes.ts';
import { deleteObject, putObject } from '../service/objects.ts';
import { normalTs } from '../service/timestamp.ts';
import { tarEntries, TarError } from '../service/tar.ts';
import { bulkResultBody, resultFormat } from './bulk-format.ts';
import { pyQuote } from '../service/quote.ts';
import { REASONS, type SwiftRequest, type SwiftResponse } from './swift-http.ts';

const statusLine = (status: number) => `${status} ${REASONS[status]?.[0] ?? 'Error'}`;
const quote = (s: string) => pyQuote(s);

async function auth(deps: SwiftDeps, req: SwiftRequest, method: string, container: string, object?: string, acl?: string) {
  const account = await store.getAccount(deps.db, req.account!);
  return authorize(deps.policy, {
    method, account: req.account!, container, object, ctx: req.ctx, acl,
    accountAcl: parseAccountAcl(account?.headers['X-Account-Access-Control']), referer: req.headers['referer'],
  });
}

const statusOf = (err: unknown) => (err instanceof CloudError ? err.status : 500);

export async function extractArchive(deps: SwiftDeps, req: SwiftRequest): Promise<SwiftResponse> {
  // Swift's bulk middleware: lower case, dots around trimmed; an unknown format is refused
  // outright (before authentication, as bulk sits ahead of it in Swift's pipeline). Swift also
  // takes tar.bz2; Node has no bzip2, so that one is refused too.
  const format = (req.query.get('extract-archive') ?? '').toLowerCase().replace(/^\.+|\.+$/g, '');
  if (format !== 'tar' && format !== 'tar.gz') throw new BadRequest('Unsupported archive format');
  const accepted = resultFormat(req.headers['accept']);
  const ct = accepted ?? 'text/plain';
  const result = (created: number, status: number, body: string, errors: Array<[string, string]>): SwiftResponse => ({
    status: 200, headers: { 'Content-Type': ct },
    body: bulkResultBody(ct, { 'Number Files Created': created, 'Response Body': body, 'Response Status': statusLine(status) }, errors, 'extract'),
  });
  if (!accepted) return result(0, 406, '', []);
  const source = format === 'tar' ? req.body : req.body.pipe(createGunzip());
  const maxContainers = deps.config.int('object_storage.max_containers_per_extraction');
  const maxFailed = deps.config.int('object_storage.max_failed_extractions');
  const made = new Set<string>();
  const errors: Array<[string, string]> = [];
  let created = 0;
  try {
    for await (const entry of tarEntries(source)) {
      if (!['0', '\0', '7'].includes(entry.type) || !entry.name || entry.name.endsWith('/')) continue;
      let container = req.container;
      let name = entry.name;
      if (container) name = req.object ? `${req.object.replace(/\/+$/, '')}/${name}` : name;
      else {
        const slash = name.indexOf('/');
        container = slash < 0 ? name : name.slice(0, slash);
        name = slash < 0 ? '' : name.slice(slash + 1);
      }
      const dest = `/${container}/${name}`;
      try {
        if (!name) throw new NotFound('');
        checkContainerName(deps, container);
        let row = await store.getContainer(deps.db, req.account!, container);
        if (!row) {
          if (made.size >= maxContainers) return result(created, 400, `More than ${maxContainers} containers to create from tar.`, errors);
          await auth(deps, req, 'PUT', container);
          await ensureAccount(deps, req.account!);
          const ts = normalTs(deps.ts.next());
          await store.insertContainer(deps.db, { account: req.account!, name: container, created_at: ts, put_timestamp: ts, policy: POLICY_NAME, headers: {} });
          made.add(container);
          row = await store.getContainer(deps.db, req.account!, container);
        }
        await auth(deps, req, 'PUT', container, name, row?.headers['X-Container-Write']);
        if (Buffer.byteLength(name) > deps.constraints.max_object_name_length) throw new BadRequest('');
        await putObject(deps, { account: req.account!, container, name, source: { stream: entry.body }, contentType: guessContentType(name), headers: {}, deleteAt: null });
        created += 1;
      } catch (err) {
        if (err instanceof TarError) throw err;
        errors.push([quote(dest), statusLine(statusOf(err))]);
        if (errors.length >= maxFailed) break;
      }
    }
  } catch (err) {
    // a broken archive, or a gzip stream that is not one
    if (err instanceof TarError || (err as NodeJS.ErrnoException)?.code?.startsWith('Z_')) {
      return result(created, 400, `Invalid Tar File: ${(err as Error).message}`, errors);
    }
    throw err;
  }
  return result(created, errors.length ? 400 : 201, '', errors);
}

async function readAllText(stream: AsyncIterable<Buffer>, max: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += c.length;
    if (size > max) return undefined;
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function bulkDelete(deps: SwiftDeps, req: SwiftRequest): Promise<SwiftResponse> {
  const accepted = resultFormat(req.headers['accept']);
  const ct = accepted ?? 'text/plain';
  const maxDeletes = deps.config.int('object_storage.max_deletes_per_request');
  const maxFailed = deps.config.int('object_storage.max_failed_deletes');
  const text = await readAllText(req.body, maxDeletes * 2048);
  const result = (deleted: number, notFound: number, status: number, body: string, errors: Array<[string, string]>): SwiftResponse => ({
    status: 200, headers: { 'Content-Type': ct },
    body: bulkResultBody(ct, { 'Number Deleted': deleted, 'Number Not Found': notFound, 'Response Body': body, 'Response Status': statusLine(status) }, errors, 'delete'),
  });
  // a result the client cannot read, or a list that is not newline-separated text: 406, as Swift
  const type = req.headers['content-type'];
  if (!accepted || (type && !type.startsWith('text/plain'))) return result(0, 0, 406, '', []);
  if (text === undefined) return result(0, 0, 413, `Maximum Bulk Deletes: ${maxDeletes} per request`, []);
  const paths = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (paths.length > maxDeletes) return result(0, 0, 413, `Maximum Bulk Deletes: ${maxDeletes} per request`, []);
  let deleted = 0;
  let notFound = 0;
  const errors: Array<[string, string]> = [];
  for (const raw of paths) {
    let path: string;
    try { path = decodeURIComponent(raw).replace(/^\/+/, ''); } catch { errors.push([raw, statusLine(412)]); continue; }
    const slash = path.indexOf('/');
    const container = slash < 0 ? path : path.slice(0, slash);
    const name = slash < 0 ? '' : path.slice(slash + 1);
    try {
      const row = await store.getContainer(deps.db, req.account!, container);
      if (name) {
        await auth(deps, req, 'DELETE', container, name, row?.headers['X-Container-Write']);
        if (!row) throw new NotFound('');
        await deleteObject(deps, { account: req.account!, container, name });
      } else {
        await auth(deps, req, 'DELETE', container);
        if (!row) throw new NotFound('');
        if (!(await store.deleteEmptyContainer(deps.db, req.account!, container))) {
          if (await store.getContainer(deps.db, req.account!, container)) throw new Conflict('');
          throw new NotFound('');
        }
      }
      deleted += 1;
    } catch (err) {
      if (err instanceof NotFound) { notFound += 1; continue; }
      errors.push([quote('/' + path), statusLine(statusOf(err))]);
      if (errors.length >= maxFailed) break;
    }
  }
  return result(deleted, notFound, errors.length ? 400 : 200, '', errors);
}
