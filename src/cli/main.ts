// `stratus`: up (every service in one process), serve <service…>, db migrate, bootstrap.
import { parseArgs } from 'node:util';
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

const USAGE = `usage: stratus <command> [options]

commands:
  up                    run every service in one process (the default)
  serve <service…>      run the named services (${allServices.map((s) => s.id).join(', ')})
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
Every configuration key can be set as STRATUS_<KEY> (dots become underscores).`;

async function main(argv: string[]): Promise<number> {
  const t0 = performance.now();
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' },
      database: { type: 'string' }, bus: { type: 'string' }, 'log-level': { type: 'string' }, 'fake-hosts': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [command = 'up', ...rest] = positionals;
  if (values.help || command === 'help') { console.log(USAGE); return 0; }
  const flags: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (k !== 'config' && k !== 'help' && v !== undefined) flags[k.replaceAll('-', '_')] = v;
  if (flags.fake_hosts !== undefined) { flags['compute.fake_hosts'] = flags.fake_hosts; delete flags.fake_hosts; }

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

main(process.argv.slice(2)).then((code) => { if (code >= 0) process.exit(code); }, (err) => {
  if (err instanceof ConfigError || err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') console.error(`stratus: ${err.message}`);
  else console.error('stratus: failed to start:', err);
  process.exit(1);
});
