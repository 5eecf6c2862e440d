// Instance actions and their events (os-instance-actions): one action per API request that
// changes a server, one event per step of the flow (scheduling, build on the host, …) with its
// start, finish and result, so a user can see where a build spent its time.
import type { Kysely } from 'kysely';
import { uuid as newUuid } from '../../../lib/ids.ts';

export interface ActionRow {
  id: string; instance_uuid: string; action: string; request_id: string; user_id: string | null; project_id: string | null;
  start_time: string; finish_time: string | null; message: string | null; updated_at: string;
}
export interface EventRow {
  id: string; action_id: string; event: string; start_time: string; finish_time: string | null; result: string | null;
  traceback: string | null; host: string | null; details: string | null;
}
/** Who asked: the action is keyed by the request id, as in Nova. */
export interface ActionActor { requestId: string; userId?: string; projectId?: string }

export class ActionRepo {
  readonly #db: Kysely<any>;
  /** instance/request → action id: every step of a build looks its action up. */
  #ids = new Map<string, string>();
  constructor(db: Kysely<any>) { this.#db = db; }

  /** The id of the action a request started on an instance (cached: it never changes). */
  async findId(instanceUuid: string, requestId: string): Promise<string | undefined> {
    const key = `${instanceUuid}/${requestId}`;
    const hit = this.#ids.get(key);
    if (hit) return hit;
    const row = await this.find(instanceUuid, requestId);
    if (row) this.#remember(key, row.id);
    return row?.id;
  }

  #remember(key: string, id: string): void {
    if (this.#ids.size >= 20_000) this.#ids = new Map();
    this.#ids.set(key, id);
  }

  async start(instanceUuid: string, action: string, who: ActionActor, db: Kysely<any> = this.#db): Promise<string> {
    const now = new Date().toISOString();
    const id = newUuid();
    await db.insertInto('instance_actions').values({
      id, instance_uuid: instanceUuid, action, request_id: who.requestId, user_id: who.userId ?? null, project_id: who.projectId ?? null,
      start_time: now, finish_time: null, message: null, updated_at: now,
    }).execute();
    this.#remember(`${instanceUuid}/${who.requestId}`, id);
    return id;
  }

  /** The action a request started on an instance (the latest, if the id was reused). */
  async find(instanceUuid: string, requestId: string): Promise<ActionRow | undefined> {
    return this.#db.selectFrom('instance_actions').selectAll().where('instance_uuid', '=', instanceUuid).where('request_id', '=', requestId)
      .orderBy('start_time', 'desc').executeTakeFirst() as Promise<ActionRow | undefined>;
  }

  async list(instanceUuid: string, opts: { changesSince?: string; changesBefore?: string } = {}): Promise<ActionRow[]> {
    let q = this.#db.selectFrom('instance_actions').selectAll().where('instance_uuid', '=', instanceUuid);
    if (opts.changesSince) q = q.where('updated_at', '>=', opts.changesSince);
    if (opts.changesBefore) q = q.where('updated_at', '<=', opts.changesBefore);
    return q.orderBy('start_time', 'desc').orderBy('id', 'desc').execute() as Promise<ActionRow[]>;
  }

  async events(actionId: string): Promise<EventRow[]> {
    return this.#db.selectFrom('instance_action_events').selectAll().where('action_id', '=', actionId).orderBy('start_time', 'asc').orderBy('id').execute() as Promise<EventRow[]>;
  }

  async eventStart(actionId: string, event: string, host: string | null): Promise<string> {
    const now = eventStamp();
    const id = newUuid();
    await this.#db.insertInto('instance_action_events').values({ id, action_id: actionId, event, start_time: now, finish_time: null, result: null, traceback: null, host, details: null }).execute();
    await this.#db.updateTable('instance_actions').set({ updated_at: now }).where('id', '=', actionId).execute();
    return id;
  }

  async eventFinish(eventId: string, actionId: string, result: 'Success' | 'Error', failure?: { traceback?: string; details?: string }): Promise<void> {
    const now = new Date().toISOString();
    await this.#db.updateTable('instance_action_events').set({ finish_time: now, result, traceback: failure?.traceback ?? null, details: failure?.details ?? null })
      .where('id', '=', eventId).execute();
    // Nova marks the whole action 'Error' as soon as one of its events fails.
    await this.#db.updateTable('instance_actions').set({ updated_at: now, ...(result === 'Error' ? { message: 'Error' } : {}) }).where('id', '=', actionId).execute();
  }

  async finish(actionId: string): Promise<void> {
    const now = new Date().toISOString();
    await this.#db.updateTable('instance_actions').set({ finish_time: now, updated_at: now }).where('id', '=', actionId).execute();
  }
}

/**
 * Event start times strictly increase within a process: the conductor's and the scheduler's
 * steps of one build often start in the same millisecond, and events list by start time.
 */
let lastEventMs = 0;
function eventStamp(): string {
  lastEventMs = Math.max(Date.now(), lastEventMs + 1);
  return new Date(lastEventMs).toISOString();
}
