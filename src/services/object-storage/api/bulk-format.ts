// Result bodies of bulk operations (bulk delete, extract-archive, SLO delete and errors), as
// Swift's bulk middleware writes them: text/plain "Key: value" lines, JSON or XML, by Accept.
import { bestMatch } from '../service/accept.ts';
import { pyRecord } from '../service/listing-format.ts';

const FORMATS = ['text/plain', 'application/json', 'application/xml', 'text/xml'];

/** The result format the client accepts best; undefined when it accepts none, or Accept is malformed. */
export function resultFormat(accept: string | undefined): string | undefined {
  try {
    return bestMatch(accept, FORMATS);
  } catch {
    return undefined;
  }
}

/** The format of a result body: the one accepted, else plain text (what Swift writes then). */
export const resultContentType = (accept: string | undefined): string => resultFormat(accept) ?? 'text/plain';

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function bulkResultBody(format: string, data: Record<string, string | number>, errors: Array<[string, string]>, rootTag: string): string {
  const keys = Object.keys(data).sort();
  if (format === 'application/json') {
    const rec = pyRecord({ ...Object.fromEntries(keys.map((k) => [k, data[k]!])) });
    const errs = '[' + errors.map(([n, s]) => `[${JSON.stringify(n)}, ${JSON.stringify(s)}]`).join(', ') + ']';
    return rec.length > 2 ? rec.slice(0, -1) + `, "Errors": ${errs}}` : `{"Errors": ${errs}}`;
  }
  if (format.endsWith('/xml')) {
    let out = `<${rootTag}>\n`;
    for (const k of keys) { const x = k.replace(/ /g, '_').toLowerCase(); out += `<${x}>${xmlEscape(String(data[k]))}</${x}>\n`; }
    out += '<errors>\n';
    for (const [n, s] of errors) out += `<object><name>${xmlEscape(n)}</name><status>${xmlEscape(s)}</status></object>\n`;
    return out + `</errors>\n</${rootTag}>\n`;
  }
  let out = keys.map((k) => `${k}: ${data[k]}\n`).join('');
  out += 'Errors:\n';
  out += errors.map(([n, s]) => `${n}, ${s}\n`).join('');
  return out;
}
