import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { dbTest } from '../../../../test/helpers/db.ts';
import { migrate } from '../../../lib/db/index.ts';
import { migrations } from '../db/migrations.ts';
import { buildCatalog, createEndpoint, createService, deleteService, ensureCatalogEntry, getEndpoint, listEndpoints, updateEndpoint, updateService } from './catalog.ts';
import { addEndpointToProject, addGroupToProject, createEndpointGroup, listEndpointsForProject, removeEndpointFromProject } from './endpoint-groups.ts';
import { createProject } from './projects.ts';
import { createRegion, deleteRegion, getRegion, listRegions, updateRegion } from './regions.ts';
import { ROOT_DOMAIN } from '../db/migrations.ts';

async function setup(db: Kysely<any>) {
  await db.insertInto('project').values({ id: 'default', name: 'Default', domain_id: ROOT_DOMAIN, enabled: 1, is_domain: 1, extra: '{}', options: '{}' }).execute();
  await createRegion(db, { id: 'RegionOne' });
  const compute = await createService(db, { type: 'compute', extra: { name: 'nova' } });
  const identity = await createService(db, { type: 'identity', extra: { name: 'keystone' } });
  const nova = {
    public: await createEndpoint(db, { serviceId: compute.id, interface: 'public', url: 'http://h:8774/v2.1/$(project_id)s', regionId: 'RegionOne' }),
    internal: await createEndpoint(db, { serviceId: compute.id, interface: 'internal', url: 'http://h:8774/v2.1/%(tenant_id)s', regionId: 'RegionOne' }),
  };
  const ks = await createEndpoint(db, { serviceId: identity.id, interface: 'public', url: 'http://h:5000/v3', regionId: 'RegionOne' });
  const project = await createProject(db, { name: 'p' });
  return { compute, identity, nova, ks, project };
}

dbTest('catalog: substitution, unscoped omission, disabled services and endpoints', async (database) => {
  await migrate(database, migrations);
  const db = database.db;
  const { compute, identity, nova, ks, project } = await setup(db);

  const scoped = await buildCatalog(db, { projectId: project.id });
  const novaEntry = scoped.find((s) => s.type === 'compute')!;
  assert.deepEqual(novaEntry, {
    endpoints: [
      { id: nova.public.id, interface: 'public', region_id: 'RegionOne', url: `http://h:8774/v2.1/${project.id}`, region: 'RegionOne' },
      { id: nova.internal.id, interface: 'internal', region_id: 'RegionOne', url: `http://h:8774/v2.1/${project.id}`, region: 'RegionOne' },
    ],
    id: compute.id, type: 'compute', name: 'nova',
  });

  // Without a project, endpoints needing one are left out; the service stays (as in Keystone).
  const unscoped = await buildCatalog(db, {});
  assert.deepEqual(unscoped.find((s) => s.type === 'compute')!.endpoints, []);
  assert.equal(unscoped.find((s) => s.type === 'identity')!.endpoints[0]!.url, 'http://h:5000/v3');

  // Writes invalidate the cached rows at once.
  await updateEndpoint(db, nova.internal.id, { enabled: false });
  assert.deepEqual((await buildCatalog(db, { projectId: project.id })).find((s) => s.type === 'compute')!.endpoints.map((e) => e.id), [nova.public.id]);
  await updateService(db, identity.id, { enabled: false });
  assert.equal((await buildCatalog(db, { projectId: project.id })).find((s) => s.type === 'identity'), undefined);
  await updateService(db, identity.id, { enabled: true });

  // A malformed URL is left out, not fatal.
  const bad = await createEndpoint(db, { serviceId: identity.id, interface: 'admin', url: 'http://h/$(nope)s', regionId: 'RegionOne' });
  const ids = (await buildCatalog(db, { projectId: project.id })).find((s) => s.type === 'identity')!.endpoints.map((e) => e.id);
  assert.deepEqual(ids, [ks.id]);
  assert.ok(bad.id);

  // Deleting a service takes its endpoints.
  await deleteService(db, compute.id);
  assert.deepEqual(await listEndpoints(db, { serviceId: compute.id }), []);
  assert.equal((await buildCatalog(db, { projectId: project.id })).find((s) => s.type === 'compute'), undefined);
});

dbTest('catalog: OS-EP-FILTER associations restrict a project', async (database) => {
  await migrate(database, migrations);
  const db = database.db;
  const { compute, identity, nova, ks, project } = await setup(db);
  const other = await createProject(db, { name: 'other' });

  await addEndpointToProject(db, ks.id, project.id);
  let cat = await buildCatalog(db, { projectId: project.id });
  assert.deepEqual(cat.map((s) => s.id), [identity.id], 'services left with no endpoint are dropped');
  assert.deepEqual(cat[0]!.endpoints.map((e) => e.id), [ks.id]);
  assert.equal((await buildCatalog(db, { projectId: other.id })).length, 2, 'a project with no association sees everything');

  // An endpoint group adds what its filters match.
  const group = await createEndpointGroup(db, { name: 'nova-public', filters: { service_id: compute.id, interface: 'public' } });
  await addGroupToProject(db, group.id, project.id);
  cat = await buildCatalog(db, { projectId: project.id });
  assert.deepEqual(cat.find((s) => s.type === 'compute')!.endpoints.map((e) => e.id), [nova.public.id]);
  assert.deepEqual((await listEndpointsForProject(db, project.id)).map((e) => e.id).sort(), [ks.id, nova.public.id].sort());

  await removeEndpointFromProject(db, ks.id, project.id);
  cat = await buildCatalog(db, { projectId: project.id });
  assert.deepEqual(cat.map((s) => s.type), ['compute']);

  await assert.rejects(addEndpointToProject(db, nova.public.id, project.id).then(() => addEndpointToProject(db, nova.public.id, project.id)), { status: 409 });
  await assert.rejects(createEndpointGroup(db, { name: 'x', filters: { url: 'y' } }), { status: 400 });
  await assert.rejects(createEndpointGroup(db, { name: 'x', filters: {} }), { status: 400, message: 'filters field is required and cannot be empty' });
});

dbTest('regions: parents, loop detection, delete of a subtree', async (database) => {
  await migrate(database, migrations);
  const db = database.db;
  await createRegion(db, { id: 'a' });
  await createRegion(db, { id: 'b', parentRegionId: 'a', description: 'B' });
  await createRegion(db, { id: 'c', parentRegionId: 'b' });
  assert.deepEqual((await listRegions(db, { parentRegionId: 'a' })).map((r) => r.id), ['b']);
  assert.deepEqual(await getRegion(db, 'b'), { id: 'b', description: 'B', parentRegionId: 'a', extra: {} });

  await assert.rejects(createRegion(db, { id: 'a' }), { status: 409, message: 'Conflict occurred attempting to store region - Duplicate ID, a.' });
  await assert.rejects(createRegion(db, { id: 'd', parentRegionId: 'zz' }), { status: 404, message: 'Could not find region: zz.' });
  await assert.rejects(updateRegion(db, 'a', { parentRegionId: 'c' }), { status: 400, message: 'The specified parent region a would create a circular region hierarchy.' }); // Keystone names the region where the walk came back
  await assert.rejects(updateRegion(db, 'a', { parentRegionId: 'c' }), { status: 400 });
  await assert.rejects(updateRegion(db, 'a', { parentRegionId: 'a' }), { status: 400 });
  await updateRegion(db, 'c', { parentRegionId: 'a' });
  assert.equal((await getRegion(db, 'c')).parentRegionId, 'a');

  // A region whose subtree has endpoints cannot go; otherwise the subtree goes with it.
  const svc = await createService(db, { type: 't' });
  const ep = await createEndpoint(db, { serviceId: svc.id, interface: 'public', url: 'http://x', regionId: 'c' });
  await assert.rejects(deleteRegion(db, 'a'), { status: 403, message: 'Unable to delete region a because it or its child regions have associated endpoints.' });
  await updateEndpoint(db, ep.id, { regionId: 'b' });
  assert.equal((await getEndpoint(db, ep.id)).regionId, 'b');
  await assert.rejects(updateEndpoint(db, ep.id, { regionId: 'nope' }), { status: 400 });
  await deleteService(db, svc.id);
  await deleteRegion(db, 'a');
  assert.deepEqual(await listRegions(db), []);
});

dbTest('ensureCatalogEntry is idempotent and follows URL changes', async (database) => {
  await migrate(database, migrations);
  const db = database.db;
  const first = await ensureCatalogEntry(db, { type: 'image', name: 'glance', region: 'R1', url: 'http://h:9292' });
  const again = await ensureCatalogEntry(db, { type: 'image', name: 'glance', region: 'R1', url: 'http://h:9292' });
  assert.deepEqual(again, first);
  assert.equal((await listEndpoints(db, { serviceId: first.serviceId })).length, 3);
  await ensureCatalogEntry(db, { type: 'image', name: 'glance', region: 'R1', url: { public: 'http://new:9292', internal: 'http://h:9292', admin: 'http://h:9292' } });
  const cat = await buildCatalog(db, {});
  const image = cat.find((s) => s.type === 'image')!;
  assert.equal(image.name, 'glance');
  assert.equal(image.endpoints.find((e) => e.interface === 'public')!.url, 'http://new:9292');
  assert.equal(image.endpoints.length, 3);
});
