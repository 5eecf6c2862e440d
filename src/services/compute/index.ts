// The compute service (Nova v2.1): API, conductor, scheduler and the compute agents of this
// process (compute.fake_hosts fake hosts), each talking to the others over the bus.
import { hostname } from 'node:os';
import { defineService } from '../../lib/service.ts';
import { MAX_VERSION, MIN_VERSION } from './api/common.ts';
import { computeRoutes } from './api/index.ts';
import { AgentPool } from './agent/pool.ts';
import { computeConfig } from './config.ts';
import { conductorEndpoint } from './conductor/conductor.ts';
import { recoverUnplacedBuilds } from './conductor/recover.ts';
import { ActionRepo } from './db/actions.ts';
import { AggregateRepo } from './db/aggregates.ts';
import { FlavorRepo } from './db/flavors.ts';
import { HostRepo } from './db/hosts.ts';
import { InstanceRepo } from './db/instances.ts';
import { KeyPairRepo } from './db/keypairs.ts';
import { MigrationRepo } from './db/migration-records.ts';
import { migrations } from './db/migrations.ts';
import { ServerGroupRepo } from './db/server-groups.ts';
import { computePolicy, serviceClients, type ComputeDeps } from './deps.ts';
import { computePolicies } from './policies.ts';
import { placementOverHttp } from './scheduler/placement-http.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { createEndpoints } from './service/endpoints.ts';
import { createImageCache } from './service/image-cache.ts';
import { Foreground } from './service/foreground.ts';
import { QuotaService } from './service/quotas.ts';
import { startReclaimer } from './service/reclaim.ts';

export default defineService({
  id: 'compute',
  prefix: '/compute',
  catalog: { type: 'compute', name: 'nova', path: '/v2.1' },
  config: computeConfig,
  migrations,
  async init({ config, log, db: database, bus, dataDir, makePolicy }) {
    const startedAt = new Date().toISOString();
    const db = database.db;
    const hosts = new HostRepo(db);
    const endpoints = createEndpoints(config, dataDir, log);
    const clients = serviceClients(endpoints);
    const deps: ComputeDeps = {
      db, config, log, bus,
      policy: computePolicy(makePolicy(computePolicies)),
      repos: {
        instances: new InstanceRepo(db), flavors: new FlavorRepo(db, () => hosts.nextId('flavors')), keypairs: new KeyPairRepo(db, () => hosts.nextId('key_pairs')),
        actions: new ActionRepo(db), groups: new ServerGroupRepo(db), hosts,
        aggregates: new AggregateRepo(db, () => hosts.nextId('aggregates')), migrations: new MigrationRepo(db, () => hosts.nextId('migrations')),
      },
      quotas: new QuotaService(db, config), endpoints, placement: placementOverHttp(endpoints), clients,
      images: createImageCache(clients), foreground: new Foreground(),
    };
    const scheduler = new Scheduler(deps);
    const serving = [
      await bus.serve({ topic: 'scheduler' }, scheduler.endpoint()),
      await bus.serve({ topic: 'conductor' }, conductorEndpoint(deps)),
    ];
    // The control services show in os-services like Nova's (their heartbeat rides the agents').
    const me = hostname();
    const controlServices = [await hosts.ensureService(me, 'nova-scheduler', 'scheduler'), await hosts.ensureService(me, 'nova-conductor', 'conductor')];
    const pool = new AgentPool(deps, dataDir, controlServices.map((s) => s.id));
    await pool.start();
    scheduler.waitFor(pool.ready());
    void pool.ready().then(() => recoverUnplacedBuilds(deps, startedAt)).catch((err) => log.error({ err }, 'could not recover interrupted builds'));
    const reclaimer = startReclaimer(deps);
    return {
      routes: computeRoutes(deps, { invalidateHosts: () => scheduler.hosts.invalidate() }),
      policy: deps.policy,
      faultStyle: 'nova',
      traffic: deps.foreground,
      microversion: { service: 'compute', legacyHeader: 'X-OpenStack-Nova-API-Version', min: MIN_VERSION, max: MAX_VERSION },
      async stop() {
        reclaimer.stop();
        await pool.stop();
        for (const s of serving) await s.stop();
      },
    };
  },
});
