// Who may see an image, and the policy target of an image: Glance's DB-level visibility rule
// (glance.db.utils.is_image_visible) and glance.api.policy.ImageTarget. A caller who may not
// see an image gets 404 for it, never 403: the image's existence is not disclosed.
import type { Kysely } from 'kysely';
import type { RequestContext } from '../../../lib/auth/context.ts';
import { NotFound } from '../../../lib/errors.ts';
import type { PolicyCheck } from '../../../lib/http/routes.ts';
import type { Image } from './model.ts';

export interface Access {
  /** Does the rule allow `ctx` on `target` (no exception)? */
  allows(rule: string, target: Record<string, unknown>, ctx: RequestContext): boolean;
  /** Glance's context.is_admin: the context_is_admin rule. */
  isAdmin(ctx: RequestContext): boolean;
  /** Enforces a rule, 403 when denied. */
  enforce(rule: string, target: Record<string, unknown>, ctx: RequestContext): void;
}

export function createAccess(policy: PolicyCheck): Access {
  const allows = (rule: string, target: Record<string, unknown>, ctx: RequestContext) => {
    try { policy.authorize(rule, { ...target, target }, ctx); return true; } catch { return false; }
  };
  return {
    allows,
    isAdmin: (ctx) => allows('context_is_admin', {}, ctx),
    enforce: (rule, target, ctx) => policy.authorize(rule, { ...target, target }, ctx),
  };
}

/** ImageTarget: the image's attributes and extra properties, project_id = owner, member_id. */
export function imageTarget(image: Image, ctx: RequestContext): Record<string, unknown> {
  const { properties, tags: _t, locations: _l, ...base } = image;
  const member = image.visibility === 'shared' && ctx.projectId !== image.owner ? ctx.projectId : undefined;
  return { ...properties, ...base, project_id: image.owner ?? undefined, member_id: member, member };
}

/** Is the image visible to the caller at all (Glance's is_image_visible, any member status)? */
export async function isVisible(db: Kysely<any>, access: Access, ctx: RequestContext, image: Image): Promise<boolean> {
  if (access.isAdmin(ctx)) return true;
  if (image.owner === null) return true;
  if (image.visibility === 'public' || image.visibility === 'community') return true;
  if (!ctx.projectId) return false;
  if (ctx.projectId === image.owner) return true;
  if (image.visibility !== 'shared') return false;
  const m = await db.selectFrom('image_members').select('member').where('image_id', '=', image.id).where('member', '=', ctx.projectId).executeTakeFirst();
  return !!m;
}

/** The image when the caller may see it and get_image allows it; 404 otherwise. */
export async function visibleImage(db: Kysely<any>, access: Access, ctx: RequestContext, image: Image | undefined, id: string): Promise<Image> {
  if (!image || !(await isVisible(db, access, ctx, image)) || !access.allows('get_image', imageTarget(image, ctx), ctx)) {
    throw new NotFound(`No image found with ID ${id}`);
  }
  return image;
}
