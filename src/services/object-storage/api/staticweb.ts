// Static web sites (staticweb middleware): for anonymous GET/HEAD (or X-Web-Mode: true), a
// container with X-Container-Meta-Web-Index / Web-Listings serves index pages, HTML listings and
// custom error pages (Web-Error).
import { NotFound } from '../../../lib/errors.ts';
import type { ContainerRow } from '../db/rows.ts';
import * as store from '../db/store.ts';
import { isIdentified } from '../service/auth.ts';
import type { SwiftDeps } from '../service/deps.ts';
import { truthy } from '../service/listing-format.ts';
import { liveObject } from '../service/objects.ts';
import { pyQuote } from '../service/quote.ts';
import { isoTs, parseTs } from '../service/timestamp.ts';
import { serveObject } from './object-read.ts';
import type { SwiftRequest, SwiftResponse } from './swift-http.ts';

interface WebMeta { index: string; listings: string; css: string; error: string; label: string; dirType: string }

function webMeta(row: ContainerRow): WebMeta {
  const m = (k: string) => (row.headers[`X-Container-Meta-Web-${k}`] ?? '').trim();
  return { index: m('Index'), listings: m('Listings'), css: m('Listings-Css'), error: m('Error'), label: m('Listings-Label'), dirType: m('Directory-Type') || 'application/directory' };
}

export function staticWebApplies(req: SwiftRequest): boolean {
  if (!['GET', 'HEAD'].includes(req.method) || !req.container) return false;
  return !isIdentified(req.ctx) || req.authOverride === 'tempurl' || truthy(req.headers['x-web-mode']);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');

function redirectWithSlash(req: SwiftRequest): SwiftResponse {
  return { status: 301, headers: { Location: req.baseUrl + req.rawPath + '/' } };
}

/** A 4xx with the container's Web-Error page (<status><web-error>) when it has one. */
async function errorResponse(deps: SwiftDeps, req: SwiftRequest, row: ContainerRow, meta: WebMeta, status: number, fallback?: string): Promise<SwiftResponse> {
  if (meta.error) {
    const page = await liveObject(deps, { account: row.account, container: row.name, name: `${status}${meta.error}` });
    if (page) {
      const res = await serveObject(deps, { ...req, headers: {} }, page);
      return { ...res, status };
    }
  }
  return fallback === undefined ? { status } : { status, body: fallback };
}

function humanReadable(n: number): string {
  const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < suffixes.length - 1) { v = Math.round(v / 1024); i++; }
  return `${v}${suffixes[i]}`;
}

async function listing(deps: SwiftDeps, req: SwiftRequest, row: ContainerRow, meta: WebMeta, prefix = ''): Promise<SwiftResponse> {
  const label = meta.label ? `${meta.label}/${decodeURIComponent(req.rawPath).split('/').slice(4).join('/')}` : decodeURIComponent(req.rawPath);
  const css = () => {
    if (/^(\/|https?:\/\/)/.test(meta.css)) return pyQuote(meta.css, ':/');
    return '../'.repeat((prefix.match(/\//g) ?? []).length) + pyQuote(meta.css);
  };
  if (!truthy(meta.listings)) {
    let body = `<!DOCTYPE html>\n<html>\n<head>\n<title>Listing of ${esc(label)}</title>\n`;
    body += meta.css ? `  <link rel="stylesheet" type="text/css" href="${css()}" />\n` : '  <style type="text/css">\n   h1 {font-size: 1em; font-weight: bold;}\n   p {font-size: 2}\n  </style>\n';
    body += '</head>\n<body>  <h1>Web Listing Disabled</h1>   <p>The owner of this web site has disabled web listing.   <p>If you are the owner of this web site, you can enable   web listing by setting X-Container-Meta-Web-Listings.</p>';
    if (meta.index) body += `<h1>Index File Not Found</h1> <p>The owner of this web site has set  <b>X-Container-Meta-Web-Index: ${meta.index}</b>.  However, this file is not found.</p>`;
    body += ' </body>\n</html>\n';
    return errorResponse(deps, req, row, meta, 404, body);
  }
  const entries = await store.listObjects(deps.db, row.account, row.name, { delimiter: '/', prefix, limit: deps.constraints.container_listing_limit });
  if (prefix && entries.length === 0) return errorResponse(deps, req, row, meta, 404);
  let body = `<!DOCTYPE html>\n<html>\n <head>\n  <title>Listing of ${esc(label)}</title>\n`;
  body += meta.css ? `  <link rel="stylesheet" type="text/css" href="${css()}" />\n`
    : '  <style type="text/css">\n   h1 {font-size: 1em; font-weight: bold;}\n   th {text-align: left; padding: 0px 1em 0px 1em;}\n   td {padding: 0px 1em 0px 1em;}\n   a {text-decoration: none;}\n  </style>\n';
  body += ` </head>\n <body>\n  <h1 id="title">Listing of ${esc(label)}</h1>\n  <table id="listing">\n   <tr id="heading">\n    <th class="colname">Name</th>\n    <th class="colsize">Size</th>\n    <th class="coldate">Date</th>\n   </tr>\n`;
  if (prefix) body += '   <tr id="parent" class="item">\n    <td class="colname"><a href="../">../</a></td>\n    <td class="colsize">&nbsp;</td>\n    <td class="coldate">&nbsp;</td>\n   </tr>\n';
  for (const e of entries) {
    if (!('subdir' in e)) continue;
    const sub = e.subdir.slice(prefix.length);
    body += `   <tr class="item subdir">\n    <td class="colname"><a href="./${pyQuote(sub).replace(/\./g, '%2E')}">${esc(sub)}</a></td>\n    <td class="colsize">&nbsp;</td>\n    <td class="coldate">&nbsp;</td>\n   </tr>\n`;
  }
  for (const e of entries) {
    if (!('row' in e)) continue;
    const name = e.row.name.slice(prefix.length);
    const type = e.row.content_type.replace(/;\s*swift_bytes=\d+/, '');
    const classes = type.split('/').map((t) => 'type-' + esc(t.toLowerCase())).join(' ');
    const date = isoTs(parseTs(e.row.ts)).split('.')[0]!.replace('T', ' ');
    body += `   <tr class="item ${classes}">\n    <td class="colname"><a href="./${pyQuote(name).replace(/\./g, '%2E')}">${esc(name)}</a></td>\n    <td class="colsize">${humanReadable(e.row.size)}</td>\n    <td class="coldate">${date}</td>\n   </tr>\n`;
  }
  body += '  </table>\n </body>\n</html>\n';
  return { status: 200, headers: { 'Content-Type': 'text/html; charset=UTF-8' }, body };
}

/** Container GET/HEAD in web mode; undefined: not a web container, serve the normal listing. */
export async function staticWeb(deps: SwiftDeps, req: SwiftRequest, row: ContainerRow): Promise<SwiftResponse | undefined> {
  if (!staticWebApplies(req)) return undefined;
  const meta = webMeta(row);
  if (!meta.listings && !meta.index) {
    if (truthy(req.headers['x-web-mode'])) throw new NotFound('');
    return undefined;
  }
  if (!req.rawPath.endsWith('/')) return redirectWithSlash(req);
  if (meta.index) {
    const index = await liveObject(deps, { account: row.account, container: row.name, name: meta.index });
    if (index) return serveObject(deps, req, index);
  }
  return listing(deps, req, row, meta);
}

/** Object GET/HEAD in web mode when the object itself is missing (or a directory marker). */
export async function staticWebObject(deps: SwiftDeps, req: SwiftRequest, row: ContainerRow, name: string): Promise<SwiftResponse | undefined> {
  if (!staticWebApplies(req)) return undefined;
  const meta = webMeta(row);
  if (!meta.listings && !meta.index) return undefined;
  if (meta.index) {
    const dir = name.endsWith('/') ? name : name + '/';
    const index = await liveObject(deps, { account: row.account, container: row.name, name: dir + meta.index });
    if (index) return req.rawPath.endsWith('/') ? serveObject(deps, req, index) : redirectWithSlash(req);
  }
  if (!req.rawPath.endsWith('/')) {
    const under = await store.listObjects(deps.db, row.account, row.name, { prefix: name + '/', delimiter: '/', limit: 1 });
    return under.length ? redirectWithSlash(req) : errorResponse(deps, req, row, meta, 404);
  }
  return listing(deps, req, row, meta, name);
}

export const isDirectoryMarker = (row: ContainerRow, o: { content_type: string; size: number }) =>
  o.content_type === webMeta(row).dirType && o.size <= 1;
