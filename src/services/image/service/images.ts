// Image lifecycle operations (glance.api.v2.images / image_actions / image_tags controllers):
// the decisions; api/ only translates HTTP.
import type { RequestContext } from '../../../lib/auth/context.ts';
import { BadRequest, Forbidden, NotFound, PayloadTooLarge } from '../../../lib/errors.ts';
import type { ImageDeps } from '../deps.ts';
import { imageTarget } from './access.ts';
import { newImageFromBody } from './image-create.ts';
import { applyPatch, parsePatch } from './image-patch.ts';
import { getImage, insertImage, markDeleted, removeLocation, rowOf, saveImage, setStatus, withChildren } from './image-repo.ts';
import { schemaError } from './json-schema.ts';
import type { Image } from './model.ts';

/** publicize_image / communitize_image for a visibility an image is given (create or patch). */
function checkVisibility(deps: ImageDeps, ctx: RequestContext, target: Record<string, unknown>, visibility: string): void {
  if (visibility === 'public') deps.access.enforce('publicize_image', target, ctx);
  else if (visibility === 'community') deps.access.enforce('communitize_image', target, ctx);
}

export async function createImage(deps: ImageDeps, ctx: RequestContext, body: unknown): Promise<Image> {
  const image = newImageFromBody(body, deps.schemas.image, ctx, { properties: deps.settings.propertyQuota, tags: deps.settings.tagQuota });
  const target = { project_id: image.owner ?? undefined, owner: image.owner ?? undefined, visibility: image.visibility };
  if (!deps.access.allows('add_image', target, ctx)) {
    if (image.owner !== (ctx.projectId ?? null)) throw new Forbidden(`You are not permitted to create images owned by '${image.owner}'`);
    deps.access.enforce('add_image', target, ctx);
  }
  checkVisibility(deps, ctx, target, image.visibility);
  await deps.quotas.checkImageCount(deps.db, image.owner ?? undefined);
  await insertImage(deps.db, image);
  deps.notify(ctx, 'image.create', image);
  return image;
}

export async function updateImage(deps: ImageDeps, ctx: RequestContext, image: Image, contentType: string | undefined, body: unknown): Promise<Image> {
  const changes = parsePatch(contentType, body, deps.schemas.image);
  const target = imageTarget(image, ctx);
  const next = applyPatch(image, changes, {
    isAdmin: deps.access.isAdmin(ctx),
    checkVisibility: (v) => checkVisibility(deps, ctx, target, v),
    locationsVisible: false,
    limits: { properties: deps.settings.propertyQuota, tags: deps.settings.tagQuota },
  });
  if (changes.length === 0) return image;
  next.updated_at = new Date().toISOString();
  // The status must not have moved under us (e.g. formats may change only while queued).
  if (!(await saveImage(deps.db, image, next, { status: [image.status] }))) {
    throw new NotFound(`No image found with ID ${image.id}`);
  }
  const saved = (await getImage(deps.db, image.id)) ?? next;
  deps.notify(ctx, 'image.update', saved);
  return saved;
}

export async function deleteImage(deps: ImageDeps, ctx: RequestContext, image: Image): Promise<void> {
  if (image.protected) throw new Forbidden(`Image ${image.id} is protected and cannot be deleted.`);
  // Stop a transfer in this process at once; one elsewhere learns it from its lost lock.
  deps.transfers.abort(image.id);
  if (!(await markDeleted(deps.db, image.id))) throw new NotFound(`Failed to find image ${image.id} to delete`);
  await deps.staging.delete(deps.staging.locate(image.id)).catch(() => undefined);
  // Locations as they are now: an upload may have committed since the image was read.
  const current = await withChildren(deps.db, [{ ...rowOf(image) }]);
  await removeData(deps, current[0]!);
  deps.notify(ctx, 'image.delete', { ...image, status: 'deleted' });
}

/** Removes every location's data (a missing file is fine: the goal is that none is left). */
export async function removeData(deps: ImageDeps, image: Image): Promise<void> {
  for (const loc of image.locations) {
    const store = deps.stores.get(loc.store) ?? deps.stores.forUrl(loc.url);
    try {
      await store?.delete(loc.url);
    } catch (err) {
      if (!(err instanceof NotFound)) deps.log.error({ err, imageId: image.id, url: loc.url }, 'could not delete image data');
    }
    await removeLocation(deps.db, loc.id);
  }
}

export async function deactivateImage(deps: ImageDeps, image: Image): Promise<void> {
  if (image.status === 'deactivated') return;
  if (image.status !== 'active') throw new Forbidden(`Not allowed to deactivate image in status '${image.status}'`);
  if (!(await setStatus(deps.db, image.id, ['active'], { status: 'deactivated' }))) throw new BadRequest(`Image status transition from ${image.status} to deactivated is not allowed`);
}

export async function reactivateImage(deps: ImageDeps, image: Image): Promise<void> {
  if (image.status === 'active') return;
  if (image.status !== 'deactivated') throw new Forbidden(`Not allowed to reactivate image in status '${image.status}'`);
  if (!(await setStatus(deps.db, image.id, ['deactivated'], { status: 'active' }))) throw new BadRequest(`Image status transition from ${image.status} to active is not allowed`);
}

export async function addTag(deps: ImageDeps, ctx: RequestContext, image: Image, tag: string): Promise<void> {
  const err = schemaError({ tags: [tag] }, deps.schemas.image);
  if (err) throw new BadRequest(`Provided object does not match schema 'image': ${err}`);
  if (image.tags.includes(tag)) return;
  if (deps.settings.tagQuota >= 0 && image.tags.length + 1 > deps.settings.tagQuota) {
    throw new PayloadTooLarge(`Image tag limit exceeded for image ${image.id}: Maximum number of tags exceeded: ${image.tags.length + 1} > ${deps.settings.tagQuota}`);
  }
  const next = { ...image, tags: [...image.tags, tag], updated_at: new Date().toISOString() };
  if (!(await saveImage(deps.db, image, next))) throw new NotFound(`Image ${image.id} not found.`);
  deps.notify(ctx, 'image.update', next);
}

export async function deleteTag(deps: ImageDeps, ctx: RequestContext, image: Image, tag: string): Promise<void> {
  if (!image.tags.includes(tag)) throw new NotFound(`Tag ${tag} not found.`);
  const next = { ...image, tags: image.tags.filter((t) => t !== tag), updated_at: new Date().toISOString() };
  if (!(await saveImage(deps.db, image, next))) throw new NotFound(`Image ${image.id} not found.`);
  deps.notify(ctx, 'image.update', next);
}
