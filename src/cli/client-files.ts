// clouds.yaml and openrc in the data directory, so the openstack CLI works at once.
// They hold the admin password, so they are readable by the owner only.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export function writeClientFiles(dataDir: string, o: { authUrl: string; region: string; password?: string }): { cloudsYaml: string; openrc: string } {
  const cloudsYaml = join(dataDir, 'clouds.yaml');
  const openrc = join(dataDir, 'openrc');
  // A generated password is only known at the first start: keep the one already written.
  const password = o.password ?? (existsSync(cloudsYaml) ? parse(readFileSync(cloudsYaml, 'utf8'))?.clouds?.stratus?.auth?.password : undefined);
  const auth: Record<string, string> = { auth_url: o.authUrl, username: 'admin', project_name: 'admin', user_domain_name: 'Default', project_domain_name: 'Default' };
  if (password) auth.password = password;
  writeFileSync(cloudsYaml, stringify({ clouds: { stratus: { auth, region_name: o.region, interface: 'public', identity_api_version: 3 } } }), { mode: 0o600 });
  const rc = [
    `export OS_AUTH_URL=${o.authUrl}`, 'export OS_USERNAME=admin', ...(password ? [`export OS_PASSWORD='${password.replaceAll("'", "'\\''")}'`] : []),
    'export OS_PROJECT_NAME=admin', 'export OS_USER_DOMAIN_NAME=Default', 'export OS_PROJECT_DOMAIN_NAME=Default',
    `export OS_REGION_NAME=${o.region}`, 'export OS_IDENTITY_API_VERSION=3', 'export OS_INTERFACE=public', '',
  ].join('\n');
  writeFileSync(openrc, rc, { mode: 0o600 });
  return { cloudsYaml, openrc };
}
