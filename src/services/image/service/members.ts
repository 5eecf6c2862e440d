// Image members (glance.api.v2.image_members): a shared image's owner adds projects; each member
// project accepts, rejects or leaves its membership pending. Accepted shared images appear in
// the member's image list; any membership makes the image visible to the member.
import type { RequestContext } from '../../../lib/auth/context.ts';
import { isUniqueViolation } from '../../../lib/db/index.ts';
import { BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge } from '../../../lib/errors.ts';
import type { ImageDeps } from '../deps.ts';
import { imageTarget } from './access.ts';
import type { Image } from './model.ts';

export interface Member {
  image_id: string;
  member_id: string;
  status: 'pending' | 'accepted' | 'rejected';
  created_at: string;
  updated_at: string;
}

const STATUSES = ['pending', 'accepted', 'rejected'];

function requireShared(image: Image): void {
  if (image.visibility !== 'shared') throw new Forbidden('Only shared images have members.');
}

const fromRow = (r: Record<string, any>): Member => ({ image_id: r.image_id, member_id: r.member, status: r.status, created_at: r.created_at, updated_at: r.updated_at });

/** The member rows the caller may see: all for the owner or an admin, else only its own. */
async function findMembers(deps: ImageDeps, ctx: RequestContext, image: Image, memberId?: string): Promise<Member[]> {
  let q = deps.db.selectFrom('image_members').selectAll().where('image_id', '=', image.id);
  if (memberId !== undefined) q = q.where('member', '=', memberId);
  if (!deps.access.isAdmin(ctx) && ctx.projectId !== image.owner) q = q.where('member', '=', ctx.projectId ?? '');
  return (await q.orderBy('created_at').execute()).map(fromRow);
}

async function lookup(deps: ImageDeps, ctx: RequestContext, image: Image, memberId: string): Promise<Member> {
  deps.access.enforce('get_member', imageTarget(image, ctx), ctx);
  const [m] = await findMembers(deps, ctx, image, memberId);
  if (!m) throw new NotFound(`${memberId} not found in the member list of the image ${image.id}.`);
  return m;
}

export function memberIdFromBody(body: unknown): string {
  if (body === undefined || body === null) throw new BadRequest('Body expected in request.');
  if (typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('Expected a member in the form: {"member": "image_id"}');
  const b = body as Record<string, unknown>;
  if (!('member' in b)) throw new BadRequest('Member to be added not specified');
  if (!b.member) throw new BadRequest("Member can't be empty");
  if (typeof b.member !== 'string' || b.member.length > 255) throw new BadRequest(`Invalid member: ${JSON.stringify(b.member)}`);
  return b.member;
}

export function statusFromBody(body: unknown): string {
  if (body === undefined || body === null) throw new BadRequest('Body expected in request.');
  if (typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('Expected a status in the form: {"status": "status"}');
  const b = body as Record<string, unknown>;
  if (!('status' in b)) throw new BadRequest('Status not specified');
  return b.status as string;
}

export async function addMember(deps: ImageDeps, ctx: RequestContext, image: Image, memberId: string): Promise<Member> {
  requireShared(image);
  deps.access.enforce('add_member', imageTarget(image, ctx), ctx);
  const n = await deps.db.selectFrom('image_members').select((eb) => eb.fn.countAll<number>().as('n')).where('image_id', '=', image.id).executeTakeFirst();
  if (deps.settings.memberQuota >= 0 && Number(n?.n ?? 0) + 1 > deps.settings.memberQuota) {
    throw new PayloadTooLarge(`Image member limit exceeded for image ${image.id}: Maximum number of image members exceeded: ${Number(n?.n) + 1} > ${deps.settings.memberQuota}`);
  }
  const now = new Date().toISOString();
  const member: Member = { image_id: image.id, member_id: memberId, status: 'pending', created_at: now, updated_at: now };
  try {
    await deps.db.insertInto('image_members').values({ image_id: image.id, member: memberId, status: 'pending', created_at: now, updated_at: now }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`Member ${memberId} is duplicated for image ${image.id}`);
    throw err;
  }
  return member;
}

export async function updateMember(deps: ImageDeps, ctx: RequestContext, image: Image, memberId: string, status: string): Promise<Member> {
  requireShared(image);
  const m = await lookup(deps, ctx, image, memberId);
  deps.access.enforce('modify_member', imageTarget(image, ctx), ctx);
  if (!STATUSES.includes(status)) throw new BadRequest('Incorrect request: Status must be "pending", "accepted" or "rejected".');
  const now = new Date().toISOString();
  await deps.db.updateTable('image_members').set({ status, updated_at: now }).where('image_id', '=', image.id).where('member', '=', memberId).execute();
  return { ...m, status: status as Member['status'], updated_at: now };
}

export async function listMembers(deps: ImageDeps, ctx: RequestContext, image: Image): Promise<Member[]> {
  requireShared(image);
  deps.access.enforce('get_members', imageTarget(image, ctx), ctx);
  return findMembers(deps, ctx, image);
}

export async function showMember(deps: ImageDeps, ctx: RequestContext, image: Image, memberId: string): Promise<Member> {
  try {
    requireShared(image);
    return await lookup(deps, ctx, image, memberId);
  } catch (err) {
    // Glance answers 404 here whatever hid the member.
    if (err instanceof Forbidden) throw new NotFound((err as Error).message);
    throw err;
  }
}

export async function deleteMember(deps: ImageDeps, ctx: RequestContext, image: Image, memberId: string): Promise<void> {
  requireShared(image);
  await lookup(deps, ctx, image, memberId);
  deps.access.enforce('delete_member', imageTarget(image, ctx), ctx);
  await deps.db.deleteFrom('image_members').where('image_id', '=', image.id).where('member', '=', memberId).execute();
}
