// Lint: TypeScript rules plus the import layers of DESIGN.md:
// src/lib imports no service; a service never imports another service's folder.
import tseslint from 'typescript-eslint';
import { readdirSync } from 'node:fs';

const services = readdirSync(new URL('./src/services', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory()).map((d) => d.name);

const layer = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'bench/results'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  layer(['src/lib/**'], [{ group: ['**/services/**', '**/cli/**', '**/dashboard/**'], message: 'src/lib imports no service (DESIGN.md).' }]),
  ...services.map((s) => layer([`src/services/${s}/**`], [
    ...(services.length < 2 ? [] : [{ group: services.filter((o) => o !== s).flatMap((o) => [`**/services/${o}`, `**/services/${o}/**`, `../${o}/**`, `../../${o}/**`]), message: 'A service never imports another service\'s folder; talk over REST or the bus (DESIGN.md).' }]),
    { group: ['**/cli/**'], message: 'Services do not import the CLI.' },
  ])),
);
