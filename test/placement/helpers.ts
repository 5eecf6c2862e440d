// A cloud with identity and placement only, and a request helper that speaks a microversion.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestCloud, type TestCloud, type TestResponse } from '../helpers/cloud.ts';

export interface PlacementTestCloud {
  c: TestCloud;
  admin: string;
  /** A request to /placement<path> as admin (or `token`) at microversion `version` (default 1.39). */
  p(method: string, path: string, opts?: { body?: unknown; version?: string; token?: string; headers?: Record<string, string>; raw?: string }): Promise<TestResponse>;
  /** Creates a provider with inventories (and traits, aggregates); returns its uuid. */
  provider(name: string, opts?: { inventories?: Record<string, Record<string, number>>; traits?: string[]; aggregates?: string[]; parent?: string }): Promise<string>;
}

export async function startPlacementCloud(flags: Record<string, unknown> = {}): Promise<PlacementTestCloud> {
  const c = await startTestCloud({ services: 'identity,placement', ...flags });
  const admin = await c.adminToken();
  const p: PlacementTestCloud['p'] = (method, path, opts = {}) => c.request(method, `/placement${path}`, {
    token: opts.token ?? admin, body: opts.body, raw: opts.raw,
    headers: { 'openstack-api-version': `placement ${opts.version ?? '1.39'}`, ...opts.headers },
  });
  const provider: PlacementTestCloud['provider'] = async (name, opts = {}) => {
    const uuid = randomUUID();
    const created = await p('POST', '/resource_providers', { body: { name, uuid, ...(opts.parent ? { parent_provider_uuid: opts.parent } : {}) } });
    assert.equal(created.status, 200, created.text);
    let gen = created.body.generation as number;
    if (opts.inventories) {
      const r = await p('PUT', `/resource_providers/${uuid}/inventories`, { body: { resource_provider_generation: gen, inventories: opts.inventories } });
      assert.equal(r.status, 200, r.text);
      gen = r.body.resource_provider_generation;
    }
    if (opts.traits) {
      for (const t of opts.traits) if (t.startsWith('CUSTOM_')) await p('PUT', `/traits/${t}`);
      const r = await p('PUT', `/resource_providers/${uuid}/traits`, { body: { resource_provider_generation: gen, traits: opts.traits } });
      assert.equal(r.status, 200, r.text);
      gen = r.body.resource_provider_generation;
    }
    if (opts.aggregates) {
      const r = await p('PUT', `/resource_providers/${uuid}/aggregates`, { body: { resource_provider_generation: gen, aggregates: opts.aggregates } });
      assert.equal(r.status, 200, r.text);
    }
    return uuid;
  };
  return { c, admin, p, provider };
}

/** Asserts placement's error body: {"errors": [{status, title, detail, code}]}. */
export function placementError(res: TestResponse, status: number, code?: string): void {
  assert.equal(res.status, status, res.text);
  const e = res.body?.errors?.[0];
  assert.ok(e, `placement error body expected, got ${res.text}`);
  assert.equal(e.status, status);
  assert.equal(typeof e.title, 'string');
  assert.equal(typeof e.detail, 'string');
  if (code) assert.equal(e.code, code, e.detail);
}

export const compute = { VCPU: { total: 8 }, MEMORY_MB: { total: 16384 }, DISK_GB: { total: 100 } };
