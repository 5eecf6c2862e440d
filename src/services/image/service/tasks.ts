// Tasks (glance.domain.Task): the record of an interoperable import, pending → processing →
// success | failure, listed per image at GET /v2/images/{id}/tasks (API 2.12).
import type { Kysely } from 'kysely';
import type { RequestContext } from '../../../lib/auth/context.ts';
import { fromDbJson, toDbJson } from '../../../lib/db/index.ts';
import { uuid } from '../../../lib/ids.ts';
import { isoTime } from './model.ts';

export type TaskStatus = 'pending' | 'processing' | 'success' | 'failure';

export interface Task {
  id: string;
  type: string;
  status: TaskStatus;
  owner: string | null;
  image_id: string | null;
  user_id: string | null;
  request_id: string | null;
  input: unknown;
  result: unknown;
  message: string;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Glance's task_time_to_live: finished tasks expire after 48 hours. */
const TTL_MS = 48 * 3600_000;

export async function createTask(db: Kysely<any>, ctx: RequestContext, imageId: string, input: unknown): Promise<Task> {
  const now = new Date().toISOString();
  const task: Task = {
    id: uuid(), type: 'api_image_import', status: 'pending', owner: ctx.projectId ?? null, image_id: imageId,
    user_id: ctx.userId ?? null, request_id: ctx.requestId, input, result: null, message: '', expires_at: null, created_at: now, updated_at: now,
  };
  await db.insertInto('tasks').values({ ...task, input: toDbJson(input), result: null }).execute();
  return task;
}

export async function setTaskStatus(db: Kysely<any>, id: string, status: TaskStatus, fields: { message?: string; result?: unknown } = {}): Promise<void> {
  const now = new Date();
  const done = status === 'success' || status === 'failure';
  await db.updateTable('tasks').set({
    status, updated_at: now.toISOString(),
    ...(fields.message !== undefined ? { message: fields.message } : {}),
    ...(fields.result !== undefined ? { result: toDbJson(fields.result) } : {}),
    ...(done ? { expires_at: new Date(now.getTime() + TTL_MS).toISOString() } : {}),
  }).where('id', '=', id).execute();
}

const fromRow = (r: Record<string, any>): Task => ({
  id: r.id, type: r.type, status: r.status, owner: r.owner, image_id: r.image_id, user_id: r.user_id, request_id: r.request_id,
  input: fromDbJson(r.input) ?? null, result: fromDbJson(r.result) ?? null, message: r.message ?? '', expires_at: r.expires_at,
  created_at: r.created_at, updated_at: r.updated_at,
});

export async function getTask(db: Kysely<any>, id: string): Promise<Task | undefined> {
  const r = await db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? fromRow(r) : undefined;
}

/** The image's unexpired tasks the caller may see (its own project's, or all for an admin). */
export async function tasksOfImage(db: Kysely<any>, imageId: string, scope: { isAdmin: boolean; projectId?: string }): Promise<Task[]> {
  let q = db.selectFrom('tasks').selectAll().where('image_id', '=', imageId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>=', new Date().toISOString())]));
  if (!scope.isAdmin) q = q.where('owner', '=', scope.projectId ?? '');
  return (await q.orderBy('created_at').execute()).map(fromRow);
}

export async function listTasks(db: Kysely<any>, opts: { limit: number; status?: string; type?: string }): Promise<Task[]> {
  let q = db.selectFrom('tasks').selectAll();
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.type) q = q.where('type', '=', opts.type);
  return (await q.orderBy('created_at', 'desc').limit(opts.limit).execute()).map(fromRow);
}

/** The view of GET /v2/images/{id}/tasks (Glance's db _task_format). */
export function taskView(t: Task): Record<string, unknown> {
  return {
    id: t.id, type: t.type, status: t.status, owner: t.owner, expires_at: t.expires_at ? isoTime(t.expires_at) : null,
    created_at: isoTime(t.created_at), updated_at: isoTime(t.updated_at), deleted_at: null, deleted: false,
    image_id: t.image_id, request_id: t.request_id, user_id: t.user_id, input: t.input, result: t.result, message: t.message,
  };
}
