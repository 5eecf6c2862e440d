// The oslo.policy rule language (oslo_policy/_parser.py), compiled once into a tree.
//
// Tokenising follows oslo exactly (split on whitespace, peel parentheses off the ends of each
// token, `and`/`or`/`not` case-insensitive) so that operators' policy files mean the same thing
// here. oslo reduces tokens with a greedy shift-reduce parser; for every input it accepts, that
// yields the usual precedence (`not` > `and` > `or`), which the recursive descent below
// implements directly. Where oslo logs and fails closed on a rule it cannot parse, we throw: a
// typo in a policy file should stop the service at start, naming the rule, not silently deny.

/** A literal or a `%(key)s` substitution from the target; compiled from a check's right side. */
export type TemplatePart = string | { key: string };

export type Check =
  | { type: 'true' }
  | { type: 'false' }
  | { type: 'not'; check: Check }
  | { type: 'and'; checks: Check[] }
  | { type: 'or'; checks: Check[] }
  /** `rule:NAME`: evaluate another rule (no substitution, as in oslo). */
  | { type: 'rule'; name: string }
  /** `role:NAME`: case-insensitive membership in creds.roles. */
  | { type: 'role'; source: string; match: TemplatePart[] }
  /** `left:right`: left is a literal (`True`, `'x'`, `3`) or a dotted credential path. */
  | { type: 'generic'; source: string; left: GenericLeft; match: TemplatePart[] };

export type GenericLeft = { literal: string } | { path: string[] };

/** A check string that does not parse (or a policy definition that is invalid). */
export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

type Token =
  | { t: '(' | ')' | 'and' | 'or' | 'not' }
  | { t: 'check'; text: string }
  | { t: 'string'; text: string };

// oslo.policy's registered check kinds that call out to other systems; we do not implement
// them, and treating them as generic credential checks would silently always deny.
const UNSUPPORTED_KINDS = new Set(['http', 'https']);

function tokenize(rule: string): Token[] {
  const out: Token[] = [];
  for (const raw of rule.split(/\s+/)) {
    if (!raw) continue;
    const afterLeft = raw.replace(/^\(+/, '');
    for (let i = 0; i < raw.length - afterLeft.length; i++) out.push({ t: '(' });
    if (!afterLeft) continue;
    const clean = afterLeft.replace(/\)+$/, '');
    const trailing = afterLeft.length - clean.length;
    const lowered = clean.toLowerCase();
    if (lowered === 'and' || lowered === 'or' || lowered === 'not') {
      out.push({ t: lowered });
    } else if (clean) {
      // As oslo: the quote test looks at the token before its trailing parentheses are removed.
      const quoted = afterLeft.length >= 2 && (afterLeft[0] === '"' || afterLeft[0] === "'")
        && afterLeft.at(-1) === afterLeft[0];
      out.push(quoted ? { t: 'string', text: afterLeft } : { t: 'check', text: clean });
    }
    for (let i = 0; i < trailing; i++) out.push({ t: ')' });
  }
  return out;
}

/** Compile a `%(key)s` template. `%%` is a literal percent; other `%` sequences stay as text. */
export function compileTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  const re = /%\(([^)]*)\)s|%%/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    literal += text.slice(last, m.index);
    if (m[0] === '%%') {
      literal += '%';
    } else {
      if (literal) parts.push(literal);
      literal = '';
      parts.push({ key: m[1]! });
    }
    last = m.index + m[0].length;
  }
  literal += text.slice(last);
  if (literal || parts.length === 0) parts.push(literal);
  return parts;
}

/**
 * The left side of a generic check, as `ast.literal_eval` would read it: Python literals compare
 * by their `str()`, anything else is a dotted path into the credentials.
 */
function parseGenericLeft(kind: string): GenericLeft {
  if (kind === 'True' || kind === 'False' || kind === 'None') return { literal: kind };
  const quoted = /^(['"])(.*)\1$/s.exec(kind);
  if (quoted) return { literal: quoted[2]! };
  if (/^[+-]?\d+$/.test(kind)) return { literal: String(BigInt(kind)) };
  return { path: kind.split('.') };
}

function parseSingleCheck(text: string, fail: (why: string) => never): Check {
  if (text === '@') return { type: 'true' };
  if (text === '!') return { type: 'false' };
  const colon = text.indexOf(':');
  if (colon < 0) fail(`'${text}' is not a check (expected kind:match, '@' or '!')`);
  const kind = text.slice(0, colon);
  const match = text.slice(colon + 1);
  if (!kind) fail(`'${text}' has an empty left side`);
  if (UNSUPPORTED_KINDS.has(kind)) fail(`'${kind}:' checks are not supported`);
  if (kind === 'rule') return { type: 'rule', name: match };
  if (kind === 'role') return { type: 'role', source: text, match: compileTemplate(match) };
  return { type: 'generic', source: text, left: parseGenericLeft(kind), match: compileTemplate(match) };
}

/**
 * Parse a check string into a tree. The empty (or all-blank) string means "always", as in oslo.
 * `ruleName` only improves the error message.
 */
export function parseCheckString(rule: string, ruleName?: string): Check {
  const fail = (why: string): never => {
    const what = ruleName === undefined ? 'Check string' : `Policy rule "${ruleName}"`;
    throw new PolicyError(`${what} does not parse: ${why} (in ${JSON.stringify(rule)})`);
  };
  const tokens = tokenize(rule);
  if (tokens.length === 0) return { type: 'true' };
  let pos = 0;

  const describe = (tok: Token | undefined) =>
    tok === undefined ? 'end of rule' : 'text' in tok ? `'${tok.text}'` : `'${tok.t}'`;

  const parseOr = (): Check => {
    const checks = [parseAnd()];
    while (tokens[pos]?.t === 'or') { pos++; checks.push(parseAnd()); }
    return checks.length === 1 ? checks[0]! : { type: 'or', checks };
  };
  const parseAnd = (): Check => {
    const checks = [parseNot()];
    while (tokens[pos]?.t === 'and') { pos++; checks.push(parseNot()); }
    return checks.length === 1 ? checks[0]! : { type: 'and', checks };
  };
  const parseNot = (): Check => {
    if (tokens[pos]?.t !== 'not') return parseAtom();
    pos++;
    return { type: 'not', check: parseNot() };
  };
  const parseAtom = (): Check => {
    const tok = tokens[pos];
    if (tok?.t === '(') {
      pos++;
      const inner = parseOr();
      if (tokens[pos]?.t !== ')') fail(`expected ')' but found ${describe(tokens[pos])}`);
      pos++;
      return inner;
    }
    if (tok?.t === 'check') { pos++; return parseSingleCheck(tok.text, fail); }
    if (tok?.t === 'string') fail(`quoted string ${tok.text} is not a check`);
    return fail(`expected a check but found ${describe(tok)}`);
  };

  const tree = parseOr();
  if (pos < tokens.length) fail(`unexpected ${describe(tokens[pos])}`);
  return tree;
}

/** The canonical text of a tree, as oslo's `str(check)`: compound checks are parenthesised. */
export function checkToString(check: Check): string {
  switch (check.type) {
    case 'true': return '@';
    case 'false': return '!';
    case 'not': return `not ${checkToString(check.check)}`;
    case 'and': return `(${check.checks.map(checkToString).join(' and ')})`;
    case 'or': return `(${check.checks.map(checkToString).join(' or ')})`;
    case 'rule': return `rule:${check.name}`;
    case 'role': case 'generic': return check.source;
  }
}

/** Names referenced by `rule:` anywhere in the tree. */
export function referencedRules(check: Check): string[] {
  switch (check.type) {
    case 'rule': return [check.name];
    case 'not': return referencedRules(check.check);
    case 'and': case 'or': return check.checks.flatMap(referencedRules);
    default: return [];
  }
}
