// `stratus`: up (every service in one process), serve <service…>, agent network, db migrate, bootstrap.
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { startCloud } from './cloud.ts';
import { allServices } from './services.ts';
import { Config, ConfigError, loadConfig } from '../lib/config.ts';
import { configSchema } from './cloud.ts';
import { databaseUrlFor, migrate, openDatabase } from '../lib/db/index.ts';
import { createLogger } from '../lib/log.ts';
import { createDirectoryKeyRepo, defaultKeyRepoDir } from '../services/identity/tokens/index.ts';
import { openBus, redactUrl } from '../lib/bus/index.ts';
import { startNetworkAgent } from '../services/network/agent/index.ts';

const USAGE = `usage: stratus <command> [options]

commands:
  up                    run every service in one process (the default)
  serve <service…>      run the named services (${allServices.map((s) => s.id).join(', ')})
  agent network         run only this host's network agent: no database, it talks to the network
                        API over a shared bus (--bus rabbit://…); backend network.backend (fake)
  db migrate            create or upgrade every service's database, then exit
  bootstrap             migrate, create the admin and the catalog, write clouds.yaml/openrc, exit
  keys rotate           rotate identity's Fernet keys (as keystone-manage fernet_rotate)
  help                  this text

options:
  --config FILE         YAML configuration file (also STRATUS_CONFIG)
  --host ADDR           listen address (default 127.0.0.1; STRATUS_HOST)
  --port N              listen port (default 8000; STRATUS_PORT)
  --data-dir DIR        data directory (default ./data; STRATUS_DATA_DIR)
  --database URL        sqlite: (default) or postgres://… (STRATUS_DATABASE)
  --bus URL             inproc:// (default) or rabbit://… (STRATUS_BUS)
  --log-level LEVEL     trace|debug|info|warn|error (STRATUS_LOG_LEVEL)
  --fake-hosts N        fake compute hosts this process runs (compute.fake_hosts; STRATUS_COMPUTE_FAKE_HOSTS)
  --host-name NAME      this host's name for its network agent and port binding
                        (network.host; STRATUS_NETWORK_HOST; default: the machine's host name)
Every configuration key can be set as STRATUS_<KEY> (dots become underscores).`;

async function main(argv: string[]): Promise<number> {
  const t0 = performance.now();
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' },
      database: { type: 'string' }, bus: { type: 'string' }, 'log-level': { type: 'string' }, 'fake-hosts': { type: 'string' }, 'host-name': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [command = 'up', ...rest] = positionals;
  if (values.help || command === 'help') { console.log(USAGE); return 0; }
  const flags: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (k !== 'config' && k !== 'help' && v !== undefined) flags[k.replaceAll('-', '_')] = v;
  if (flags.fake_hosts !== undefined) { flags['compute.fake_hosts'] = flags.fake_hosts; delete flags.fake_hosts; }
  if (flags.host_name !== undefined) { flags['network.host'] = flags.host_name; delete flags.host_name; }

  if (command === 'db' && rest[0] === 'migrate') {
    const config = new Config(loadConfig(configSchema(), { flags, file: values.config }));
    const dataDir = resolve(config.str('data_dir'));
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const log = createLogger({ level: config.str('log_level') });
    for (const def of allServices) {
      const database = await openDatabase(databaseUrlFor(config.str('database'), dataDir, def.id), { service: def.id, log });
      const applied = await migrate(database, def.migrations, { log });
      console.log(`${def.id}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
      await database.close();
    }
    return 0;
  }
  if (command === 'keys' && rest[0] === 'rotate') {
    const config = new Config(loadConfig(configSchema(), { flags, file: values.config }));
    const dir = config.optStr('identity.key_repository') ?? defaultKeyRepoDir(resolve(config.str('data_dir')));
    const repo = createDirectoryKeyRepo(dir);
    repo.setup();
    repo.rotate();
    console.log(`rotated Fernet keys in ${dir}: ${repo.load().length} active (processes pick the new keys up within a second)`);
    return 0;
  }
  if (command === 'bootstrap') {
    const cloud = await startCloud({ flags, configFile: values.config, listen: false });
    console.log(`bootstrapped ${cloud.authUrl}; clients: ${cloud.files.openrc}${cloud.adminPassword ? `\nadmin password (generated): ${cloud.adminPassword}` : ''}`);
    await cloud.close();
    return 0;
  }
  if (command === 'agent') {
    if (rest[0] !== 'network' || rest.length > 1) { console.error('stratus agent: name the agent to run: stratus agent network'); return 2; }
    return runNetworkAgent(flags, values.config, t0);
  }
  if (command !== 'up' && command !== 'serve') { console.error(USAGE); return 2; }
  if (command === 'serve') {
    if (!rest.length) { console.error('stratus serve: name at least one service'); return 2; }
    flags.services = rest;
  }

  const cloud = await startCloud({ flags, configFile: values.config });
  const ms = Math.round(performance.now() - t0);
  const lines = [
    `Stratus is up at ${cloud.url} (${[...cloud.services.keys()].join(', ')}) in ${ms} ms`,
    `  identity:   ${cloud.authUrl}`,
    ...(cloud.adminPassword ? [`  admin password (generated, shown once; also in ${cloud.files.openrc}): ${cloud.adminPassword}`] : []),
    '',
    'Point the openstack CLI at it:',
    `  source ${cloud.files.openrc}`,
    `  # or: export OS_CLIENT_CONFIG_FILE=${cloud.files.cloudsYaml} OS_CLOUD=stratus`,
    '  openstack token issue',
    '',
    'Ctrl-C stops it; data stays in ' + resolve(cloud.config.str('data_dir')),
  ];
  console.log(lines.join('\n'));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await cloud.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return -1; // keep running
}

/**
 * `stratus agent network`: the per-host network agent alone (what a compute host runs beside its
 * hypervisor). It opens no database: it learns what to wire from the network API over the bus.
 */
async function runNetworkAgent(flags: Record<string, unknown>, configFile: string | undefined, t0: number): Promise<number> {
  const config = new Config(loadConfig(configSchema(), { flags, file: configFile }));
  const busUrl = config.str('bus');
  if (busUrl.startsWith('inproc:')) {
    console.error('stratus agent network: needs a bus shared with the network API (--bus rabbit://user:pass@host:5672/); inproc:// reaches only this process');
    return 2;
  }
  const log = createLogger({ level: config.str('log_level'), file: config.optStr('log_file') });
  const host = config.optStr('network.host') ?? hostname();
  const backend = config.str('network.backend');
  const bus = await openBus(busUrl, { log });
  // Only the fake backend exists yet: say so, so nobody mistakes this host for a wired one.
  const fake = backend === 'fake';
  log.info({ host, backend, bus: redactUrl(busUrl) }, fake
    ? 'network agent: using the fake backend (it records what it would configure; no data plane is touched)'
    : 'network agent: starting');
  const stopping = new AbortController();
  const start = startNetworkAgent({
    bus, log, host, backend, availabilityZone: config.str('network.availability_zone'),
    reportIntervalSeconds: config.int('network.agent_report_interval'), waitForServer: true, signal: stopping.signal,
  });
  const stop = async (signal: string) => {
    if (stopping.signal.aborted) return;
    console.log(`\n${signal}: stopping the network agent of ${host}…`);
    stopping.abort(); // also ends a wait for the API
    const agent = await start.catch(() => undefined);
    await agent?.stop();
    await bus.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await start.catch((err) => { if (!stopping.signal.aborted) throw err; });
  if (!stopping.signal.aborted) {
    console.log(`Stratus network agent for host ${host} is up on ${redactUrl(busUrl)} in ${Math.round(performance.now() - t0)} ms` +
      (fake ? '\n  backend: fake — it records what it would configure; no data plane is touched' : `\n  backend: ${backend}`));
  }
  return -1; // keep running
}

main(process.argv.slice(2)).then((code) => { if (code >= 0) process.exit(code); }, (err) => {
  if (err instanceof ConfigError || err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') console.error(`stratus: ${err.message}`);
  else console.error('stratus: failed to start:', err);
  process.exit(1);
});
