// Row shapes and their conversion from the database (JSON columns parsed, bigints as numbers).
import type { Kysely } from 'kysely';
import { PostgresAdapter } from 'kysely';
import type { HeaderMap } from '../service/metadata.ts';

export interface AccountRow {
  name: string;
  created_at: string;
  put_timestamp: string;
  headers: HeaderMap;
}

export interface ContainerRow {
  account: string;
  name: string;
  created_at: string;
  put_timestamp: string;
  policy: string;
  object_count: number;
  bytes_used: number;
  headers: HeaderMap;
}

export interface ObjectRow {
  account: string;
  container: string;
  name: string;
  ts: string;
  size: number;
  etag: string;
  content_type: string;
  data_id: string | null;
  headers: HeaderMap;
  sysmeta: HeaderMap;
  delete_at: number | null;
}

const json = (v: unknown): HeaderMap => (typeof v === 'string' && v ? JSON.parse(v) as HeaderMap : {});

export const toAccount = (r: any): AccountRow => ({ name: r.name, created_at: r.created_at, put_timestamp: r.put_timestamp, headers: json(r.headers) });

export const toContainer = (r: any): ContainerRow => ({
  account: r.account, name: r.name, created_at: r.created_at, put_timestamp: r.put_timestamp, policy: r.policy,
  object_count: Number(r.object_count), bytes_used: Number(r.bytes_used), headers: json(r.headers),
});

export const toObject = (r: any): ObjectRow => ({
  account: r.account, container: r.container, name: r.name, ts: r.ts, size: Number(r.size), etag: r.etag,
  content_type: r.content_type, data_id: r.data_id ?? null, headers: json(r.headers), sysmeta: json(r.sysmeta),
  delete_at: r.delete_at === null || r.delete_at === undefined ? null : Number(r.delete_at),
});

export const objectValues = (o: ObjectRow) => ({
  account: o.account, container: o.container, name: o.name, ts: o.ts, size: o.size, etag: o.etag,
  content_type: o.content_type, data_id: o.data_id, headers: JSON.stringify(o.headers),
  sysmeta: JSON.stringify(o.sysmeta), delete_at: o.delete_at,
});

export const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter;
