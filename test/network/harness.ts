// The network service's domain layer on a bare database (no HTTP): for tests that need to reach
// below the API (concurrency on SQLite and PostgreSQL, the agent boundary).
import type { RequestContext } from '../../src/lib/auth/context.ts';
import { Config, loadConfig } from '../../src/lib/config.ts';
import { migrate, type Database } from '../../src/lib/db/index.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { Enforcer } from '../../src/lib/policy/index.ts';
import { nullNotifier, type AgentNotifier } from '../../src/services/network/agent/protocol.ts';
import { networkConfig } from '../../src/services/network/config.ts';
import { migrations } from '../../src/services/network/db/migrations.ts';
import { networkPolicies } from '../../src/services/network/policies.ts';
import { callerOf, netPolicy, type Caller } from '../../src/services/network/service/caller.ts';
import { readSettings, type Net } from '../../src/services/network/service/net.ts';

export function context(projectId: string, roles: string[]): RequestContext {
  return { requestId: 'req-test', projectId, userId: `user-${projectId}`, roles, roleIds: [], isAdminProject: false, serviceRoles: [], authMethods: ['password'], auditIds: [] };
}

export interface Harness { net: Net; admin: Caller; member(projectId: string): Caller }

export async function harness(database: Database, flags: Record<string, unknown> = {}, agents: AgentNotifier = nullNotifier): Promise<Harness> {
  await migrate(database, migrations);
  const config = new Config(loadConfig(networkConfig, { env: {}, flags: { 'network.host': 'test-host', ...flags } }));
  const policy = netPolicy(new Enforcer(networkPolicies));
  const net: Net = { db: database.db, settings: readSettings(config), log: silentLogger(), policy, agents };
  return {
    net,
    admin: callerOf(context('admin-project', ['admin', 'member', 'reader']), policy),
    member: (projectId) => callerOf(context(projectId, ['member', 'reader']), policy),
  };
}
