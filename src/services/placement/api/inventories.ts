// /resource_providers/{uuid}/inventories[/{resource_class}] (placement/handlers/inventory.py).
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { notFound } from '../errors.ts';
import type { PlacementDeps } from '../deps.ts';
import { requireProvider } from '../service/providers.ts';
import {
  addInventory, deleteAllInventories, deleteInventory, INVENTORY_DEFAULTS, listInventories, setInventories, updateInventory,
  type InventoryFields, type InventoryRecord,
} from '../service/inventories.ts';
import { atLeast, cacheHeaders, jsonBody, latest, ok, since } from './common.ts';
import * as schemas from './schemas.ts';

const FIELDS = ['total', 'reserved', 'min_unit', 'max_unit', 'step_size', 'allocation_ratio'] as const;

const render = (inv: InventoryFields) => Object.fromEntries(FIELDS.map((f) => [f, inv[f]]));
export const withDefaults = (data: Record<string, unknown>): InventoryFields => {
  const out: Record<string, unknown> = { ...INVENTORY_DEFAULTS };
  for (const f of FIELDS) if (data[f] !== undefined) out[f] = data[f];
  return out as unknown as InventoryFields;
};

function renderAll(req: ApiRequest, generation: number, invs: InventoryRecord[]) {
  const body = { resource_provider_generation: generation, inventories: Object.fromEntries(invs.map((i) => [i.resourceClass, render(i)])) };
  return ok(req, body, latest(invs.map((i) => i.updatedAt)));
}

export function inventoryRoutes({ database, db }: PlacementDeps): Route[] {
  const base = '/resource_providers/:uuid/inventories';
  const reservedMayEqualTotal = (req: ApiRequest) => atLeast(req, '1.26');
  return [
    {
      method: 'GET', path: base, policy: 'placement:resource_providers:inventories:list',
      handler: async (req) => {
        const rp = await requireProvider(db, req.params.uuid!);
        return renderAll(req, rp.generation, await listInventories(db, rp.uuid));
      },
    },
    {
      method: 'PUT', path: base, policy: 'placement:resource_providers:inventories:update',
      handler: async (req) => {
        await requireProvider(db, req.params.uuid!);
        const body = jsonBody(req, schemas.putInventories);
        const wanted = new Map(Object.entries(body.inventories as Record<string, Record<string, unknown>>).map(([rc, inv]) => [rc, withDefaults(inv)]));
        const res = await setInventories(database, req.params.uuid!, body.resource_provider_generation, wanted, reservedMayEqualTotal(req));
        return renderAll(req, res.generation, res.inventories);
      },
    },
    {
      method: 'POST', path: base, policy: 'placement:resource_providers:inventories:create',
      handler: async (req) => {
        await requireProvider(db, req.params.uuid!);
        const body = jsonBody(req, schemas.postInventory);
        const rc = body.resource_class as string;
        const res = await addInventory(database, req.params.uuid!, rc, withDefaults(body), reservedMayEqualTotal(req));
        const inv = res.inventories.find((i) => i.resourceClass === rc)!;
        return reply(201, { ...render(inv), resource_provider_generation: res.generation }, {
          location: `${req.baseUrl}/resource_providers/${req.params.uuid}/inventories/${rc}`, ...cacheHeaders(req, inv.updatedAt),
        });
      },
    },
    {
      method: 'DELETE', path: base, policy: 'placement:resource_providers:inventories:delete',
      handler: async (req) => {
        since(req, '1.5', 405);
        await requireProvider(db, req.params.uuid!);
        await deleteAllInventories(database, req.params.uuid!);
      },
    },
    {
      method: 'GET', path: `${base}/:resource_class`, policy: 'placement:resource_providers:inventories:show',
      handler: async (req) => {
        const rp = await requireProvider(db, req.params.uuid!);
        const inv = (await listInventories(db, rp.uuid)).find((i) => i.resourceClass === req.params.resource_class);
        if (!inv) throw notFound(`No inventory of class ${req.params.resource_class} for ${rp.uuid}`);
        return ok(req, { ...render(inv), resource_provider_generation: rp.generation }, inv.updatedAt);
      },
    },
    {
      method: 'PUT', path: `${base}/:resource_class`, policy: 'placement:resource_providers:inventories:update',
      handler: async (req) => {
        await requireProvider(db, req.params.uuid!);
        const rc = req.params.resource_class!;
        const body = jsonBody(req, schemas.baseInventory);
        const res = await updateInventory(database, req.params.uuid!, rc, body.resource_provider_generation, withDefaults(body), reservedMayEqualTotal(req));
        const inv = res.inventories.find((i) => i.resourceClass === rc)!;
        return ok(req, { ...render(inv), resource_provider_generation: res.generation }, inv.updatedAt);
      },
    },
    {
      method: 'DELETE', path: `${base}/:resource_class`, policy: 'placement:resource_providers:inventories:delete',
      handler: async (req) => {
        await requireProvider(db, req.params.uuid!);
        await deleteInventory(database, req.params.uuid!, req.params.resource_class!);
      },
    },
  ];
}
