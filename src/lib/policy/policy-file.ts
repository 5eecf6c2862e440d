// The operator's policy file (oslo.policy's policy.yaml): a mapping of rule name → check
// string. YAML, of which JSON is a subset, so an old policy.json loads as well. Each check
// string is parsed here too, so a typo is reported with the file and the rule's name.

import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { PolicyError, parseCheckString } from './parser.ts';

/** Parse the text of a policy file; `source` names it in errors. Empty file → no overrides. */
export function parsePolicyFile(text: string, source = 'policy file'): Record<string, string> {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new PolicyError(`${source}: not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new PolicyError(`${source}: expected a mapping of rule name to check string`);
  }
  const rules: Record<string, string> = {};
  for (const [name, value] of Object.entries(data)) {
    // A bare `"name":` is null in YAML; oslo reads it as the empty rule, i.e. always allowed.
    const check: unknown = value ?? '';
    if (Array.isArray(check)) {
      throw new PolicyError(`${source}: policy rule "${name}" uses the old list syntax, which is not supported; `
        + 'write it as a check string ("a and b or c")');
    }
    if (typeof check !== 'string') {
      throw new PolicyError(`${source}: policy rule "${name}" must be a string, got ${JSON.stringify(check)}`);
    }
    try {
      parseCheckString(check, name);
    } catch (err) {
      throw new PolicyError(`${source}: ${(err as Error).message}`);
    }
    rules[name] = check;
  }
  return rules;
}

/** Read and parse a policy file from disk. */
export async function readPolicyFile(path: string): Promise<Record<string, string>> {
  return parsePolicyFile(await readFile(path, 'utf8'), path);
}
