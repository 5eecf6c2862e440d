// Agents (the agent extension): one record per (agent type, host), kept alive by heartbeats.
import { uuid } from '../../../lib/ids.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { agentNotFound } from '../errors.ts';
import type { AgentReport } from '../agent/protocol.ts';
import { bool, dbJson, json, nowIso, type Db, type Row } from './std.ts';
import type { Net } from './net.ts';

export const L2_AGENT_TYPES = new Set(['Linux bridge agent', 'Open vSwitch agent']);

export const isAlive = (net: Net, r: Row, now = Date.now()): boolean => now - Date.parse(r.heartbeat_at) <= net.settings.agentDownTimeMs;

/** Neutron renders agent times as 'YYYY-MM-DD HH:MM:SS'. */
const agentTime = (s: string) => s.replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '');

export function renderAgent(net: Net, r: Row) {
  return {
    id: r.id, agent_type: r.agent_type, binary: r.binary, topic: r.topic, host: r.host, admin_state_up: bool(r.admin_state_up),
    alive: isAlive(net, r), availability_zone: r.availability_zone ?? null, description: r.description ?? null,
    configurations: json<Record<string, unknown>>(r.configurations, {}), created_at: agentTime(r.created_at),
    started_at: agentTime(r.started_at), heartbeat_timestamp: agentTime(r.heartbeat_at), resources_synced: null,
  };
}

export async function reportState(net: Net, rep: AgentReport): Promise<void> {
  const now = nowIso();
  await inTransaction(net.db, async (trx) => {
    for (const type of rep.agent_types) {
      const cur = await trx.selectFrom('agents').select('id').where('agent_type', '=', type).where('host', '=', rep.host).executeTakeFirst();
      const common = { binary: rep.binary, topic: rep.topic, availability_zone: rep.availability_zone, configurations: dbJson(rep.configurations), heartbeat_at: now };
      if (cur) {
        await trx.updateTable('agents').set({ ...common, ...(rep.start_flag ? { started_at: now } : {}) }).where('id', '=', cur.id).execute();
      } else {
        await trx.insertInto('agents').values({ id: uuid(), agent_type: type, host: rep.host, admin_state_up: true, created_at: now, started_at: now, ...common })
          .onConflict((oc: any) => oc.doNothing()).execute();
      }
    }
  });
}

export async function listAgents(net: Net) {
  return (await net.db.selectFrom('agents').selectAll().execute()).map((r: Row) => renderAgent(net, r));
}

export async function agentRow(db: Db, id: string): Promise<Row> {
  const r = await db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw agentNotFound(id);
  return r;
}

export async function updateAgent(net: Net, r: Row, ch: Record<string, unknown>) {
  const set: Row = {};
  if (ch.admin_state_up !== undefined) set.admin_state_up = ch.admin_state_up;
  if (ch.description !== undefined) set.description = ch.description;
  if (Object.keys(set).length) await net.db.updateTable('agents').set(set).where('id', '=', r.id).execute();
  return renderAgent(net, await agentRow(net.db, r.id));
}

export async function deleteAgent(net: Net, r: Row): Promise<void> {
  await net.db.deleteFrom('agents').where('id', '=', r.id).execute();
}

/** Alive, enabled agents of a type. */
export async function liveAgents(net: Net, db: Db, type: string): Promise<Row[]> {
  const rows = await db.selectFrom('agents').selectAll().where('agent_type', '=', type).where('admin_state_up', '=', true).execute();
  const now = Date.now();
  return rows.filter((r: Row) => isAlive(net, r, now));
}

/** The L2 agent of a host, if one is alive (a port can only be bound where one runs). */
export async function l2AgentOn(net: Net, db: Db, host: string): Promise<Row | undefined> {
  const rows = await db.selectFrom('agents').selectAll().where('host', '=', host).execute();
  return rows.find((r: Row) => L2_AGENT_TYPES.has(r.agent_type) && isAlive(net, r));
}
