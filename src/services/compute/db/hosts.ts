// Compute services (one per agent, heartbeat in last_seen_up) and compute nodes (one per
// hypervisor, i.e. per fake host): what os-services, os-hypervisors and the scheduler read.
import type { Kysely } from 'kysely';
import { fromDbBool } from '../../../lib/db/index.ts';
import { uuid as newUuid } from '../../../lib/ids.ts';

export interface ServiceRecord {
  id: string; seq: number; host: string; binary: string; topic: string | null; disabled: boolean; disabled_reason: string | null;
  forced_down: boolean; last_seen_up: string | null; report_count: number; created_at: string; updated_at: string | null;
}

export interface ComputeNode {
  uuid: string; seq: number; host: string; hypervisor_hostname: string; hypervisor_type: string; hypervisor_version: number;
  vcpus: number; memory_mb: number; local_gb: number; host_ip: string | null; cpu_info: string; created_at: string; updated_at: string | null;
}

const svcFromRow = (r: Record<string, any>): ServiceRecord => ({ ...r, disabled: fromDbBool(r.disabled), forced_down: fromDbBool(r.forced_down) } as ServiceRecord);

export class HostRepo {
  readonly #db: Kysely<any>;
  constructor(db: Kysely<any>) { this.#db = db; }

  /** Creates the service record on first start; keeps its id (and disabled flag) afterwards. */
  async ensureService(host: string, binary: string, topic: string): Promise<ServiceRecord> {
    const existing = await this.#db.selectFrom('services').selectAll().where('host', '=', host).where('binary', '=', binary).executeTakeFirst();
    if (existing) return svcFromRow(existing);
    const now = new Date().toISOString();
    const row = { id: newUuid(), seq: await this.nextId('services'), host, binary, topic, disabled: false, disabled_reason: null, forced_down: false, last_seen_up: now, report_count: 0, created_at: now, updated_at: now };
    await this.#db.insertInto('services').values(row).execute();
    return svcFromRow(row);
  }

  async heartbeat(ids: string[]): Promise<void> {
    if (!ids.length) return;
    const now = new Date().toISOString();
    await this.#db.updateTable('services').set((eb) => ({ last_seen_up: now, updated_at: now, report_count: eb('report_count', '+', 1) })).where('id', 'in', ids).execute();
  }

  async services(filter: { host?: string; binary?: string } = {}): Promise<ServiceRecord[]> {
    let q = this.#db.selectFrom('services').selectAll();
    if (filter.host !== undefined) q = q.where('host', '=', filter.host);
    if (filter.binary !== undefined) q = q.where('binary', '=', filter.binary);
    return (await q.orderBy('created_at').orderBy('host').execute()).map(svcFromRow);
  }

  async service(id: string): Promise<ServiceRecord | undefined> {
    const r = await this.#db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? svcFromRow(r) : undefined;
  }

  async updateService(id: string, changes: Partial<Pick<ServiceRecord, 'disabled' | 'disabled_reason' | 'forced_down'>>): Promise<void> {
    await this.#db.updateTable('services').set({ ...changes, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
  }

  async deleteService(id: string): Promise<void> {
    const svc = await this.service(id);
    if (!svc) return;
    await this.#db.deleteFrom('services').where('id', '=', id).execute();
    if (svc.binary === 'nova-compute') await this.#db.deleteFrom('compute_nodes').where('host', '=', svc.host).execute();
  }

  async ensureNode(n: Omit<ComputeNode, 'uuid' | 'seq' | 'created_at' | 'updated_at'>): Promise<ComputeNode> {
    const existing = await this.#db.selectFrom('compute_nodes').selectAll().where('hypervisor_hostname', '=', n.hypervisor_hostname).executeTakeFirst();
    const now = new Date().toISOString();
    if (existing) {
      await this.#db.updateTable('compute_nodes').set({ ...n, updated_at: now }).where('uuid', '=', existing.uuid).execute();
      return { ...existing, ...n, updated_at: now } as ComputeNode;
    }
    const row = { ...n, uuid: newUuid(), seq: await this.nextId('compute_nodes'), created_at: now, updated_at: now };
    await this.#db.insertInto('compute_nodes').values(row).execute();
    return row;
  }

  async nodes(filter: { host?: string; uuids?: string[] } = {}): Promise<ComputeNode[]> {
    let q = this.#db.selectFrom('compute_nodes').selectAll();
    if (filter.host !== undefined) q = q.where('host', '=', filter.host);
    if (filter.uuids) q = q.where('uuid', 'in', filter.uuids.length ? filter.uuids : ['']);
    return q.orderBy('hypervisor_hostname').execute() as Promise<ComputeNode[]>;
  }

  async node(uuid: string): Promise<ComputeNode | undefined> {
    return this.#db.selectFrom('compute_nodes').selectAll().where('uuid', '=', uuid).executeTakeFirst() as Promise<ComputeNode | undefined>;
  }

  /** Per node: live instances and the resources their flavors use. */
  async nodeUsage(): Promise<Map<string, { running_vms: number; vcpus_used: number; memory_mb_used: number; local_gb_used: number }>> {
    const rows = await this.#db.selectFrom('instances').select(['node', 'flavor']).where('deleted', '=', 0).where('node', 'is not', null).execute();
    const out = new Map<string, { running_vms: number; vcpus_used: number; memory_mb_used: number; local_gb_used: number }>();
    for (const r of rows) {
      const f = JSON.parse(r.flavor);
      const u = out.get(r.node) ?? { running_vms: 0, vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0 };
      u.running_vms++; u.vcpus_used += f.vcpus; u.memory_mb_used += f.memory_mb; u.local_gb_used += f.root_gb + f.ephemeral_gb;
      out.set(r.node, u);
    }
    return out;
  }

  /** Next value of a named integer sequence (aggregate and migration ids). */
  async nextId(name: string): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('counters').select('value').where('name', '=', name).executeTakeFirst();
      const next = (row?.value ?? 0) + 1;
      if (row) await trx.updateTable('counters').set({ value: next }).where('name', '=', name).execute();
      else await trx.insertInto('counters').values({ name, value: next }).execute();
      return next;
    });
  }
}
