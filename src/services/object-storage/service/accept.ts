// The Accept header as Swift's swob reads it (swob.Accept): each comma-separated media range must
// be type/subtype with optional parameters, or the whole header is malformed; ranges are tried
// best quality first (an exact type before a wildcard at equal quality), each against the
// offered types in the server's order. Types compare case-sensitively, as in swob.

const TOKEN = '[^()<>@,;:\\\\"/\\[\\]?={}\\x00-\\x20\\x7f]+';
const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
const PARAM = `(?:\\s*;\\s*(?:${TOKEN})\\s*=\\s*(?:${TOKEN}|${QUOTED}))`;
const MEDIA_RANGE = new RegExp(`^\\s*(${TOKEN})/(${TOKEN})(${PARAM}*?\\s*)$`);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class MalformedAccept extends Error {}

/**
 * swob's best_match: the offered type the client prefers, undefined when none is acceptable,
 * the first offered one when the header is absent or empty. Throws MalformedAccept.
 */
export function bestMatch(accept: string | undefined, offered: readonly string[]): string | undefined {
  if (!accept) return offered[0];
  const ranges = accept.split(',').map((part) => {
    const m = MEDIA_RANGE.exec(part);
    if (!m) throw new MalformedAccept('Invalid accept header');
    const [, type, subtype, params] = m as unknown as [string, string, string, string];
    let q = 1;
    let seenQ = false;
    for (const param of params.split(';').map((p) => p.trim()).filter(Boolean)) {
      const [name, value, extra] = param.split('=').map((s) => s.trim());
      if (extra !== undefined) throw new MalformedAccept('Invalid accept header');
      if (name !== 'q') continue;
      if (seenQ) throw new MalformedAccept('Multiple "q" params');
      seenQ = true;
      q = Number(value);
      if (value === '' || Number.isNaN(q)) throw new MalformedAccept('Invalid quality');
    }
    const glob = (s: string) => (s === '*' ? TOKEN : escape(s));
    return { pattern: new RegExp(`^${glob(type)}/${glob(subtype)}$`), q, exact: type !== '*' && subtype !== '*' };
  });
  ranges.sort((a, b) => b.q - a.q || Number(b.exact) - Number(a.exact));
  for (const r of ranges) for (const o of offered) if (r.pattern.test(o)) return o;
  return undefined;
}
