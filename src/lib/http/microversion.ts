// Microversion negotiation as Nova, Cinder, Placement and Manila do it: the
// `OpenStack-API-Version: <service> X.Y` header (and a legacy header where one exists),
// `latest`, 406 outside the supported range, and the headers echoed back with Vary.
import { BadRequest, NotAcceptable } from '../errors.ts';

export class Microversion {
  readonly major: number;
  readonly minor: number;
  constructor(major: number, minor: number) { this.major = major; this.minor = minor; }
  static parse(s: string): Microversion | undefined {
    const m = /^(\d+)\.(\d+)$/.exec(s.trim());
    return m ? new Microversion(Number(m[1]), Number(m[2])) : undefined;
  }
  cmp(o: Microversion | string): number {
    const v = typeof o === 'string' ? Microversion.parse(o)! : o;
    return this.major - v.major || this.minor - v.minor;
  }
  gte(o: Microversion | string): boolean { return this.cmp(o) >= 0; }
  lt(o: Microversion | string): boolean { return this.cmp(o) < 0; }
  toString(): string { return `${this.major}.${this.minor}`; }
}

export interface MicroversionSpec {
  /** Name in the header, e.g. 'compute', 'volume', 'placement'. */
  service: string;
  /** Legacy header, e.g. 'X-OpenStack-Nova-API-Version'. */
  legacyHeader?: string;
  min: string;
  max: string;
}

/** Picks the request's microversion; returns it with the response headers to send. */
export function negotiateMicroversion(headers: Record<string, string | string[] | undefined>, spec: MicroversionSpec): { version: Microversion; headers: Record<string, string> } {
  const min = Microversion.parse(spec.min)!;
  const max = Microversion.parse(spec.max)!;
  let requested: string | undefined;
  const h = headers['openstack-api-version'];
  for (const entry of (Array.isArray(h) ? h.join(',') : h ?? '').split(',')) {
    const [svc, ver] = entry.trim().split(/\s+/);
    if (svc?.toLowerCase() === spec.service && ver) requested = ver;
  }
  if (!requested && spec.legacyHeader) {
    const legacy = headers[spec.legacyHeader.toLowerCase()];
    if (legacy) requested = String(legacy).trim();
  }
  let version = min;
  if (requested) {
    if (requested.toLowerCase() === 'latest') version = max;
    else {
      const v = Microversion.parse(requested);
      if (!v) throw new BadRequest(`API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.`);
      if (v.lt(min) || v.cmp(max) > 0) throw new NotAcceptable(`Version ${requested} is not supported by the API. Minimum is ${spec.min} and maximum is ${spec.max}.`, { minVersion: spec.min, maxVersion: spec.max });
      version = v;
    }
  }
  const out: Record<string, string> = { 'OpenStack-API-Version': `${spec.service} ${version}` };
  const vary = ['OpenStack-API-Version'];
  if (spec.legacyHeader) { out[spec.legacyHeader] = version.toString(); vary.push(spec.legacyHeader); }
  out.Vary = vary.join(', ');
  return { version, headers: out };
}
