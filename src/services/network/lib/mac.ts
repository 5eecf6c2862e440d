// MAC addresses: validation as neutron-lib's validate_mac_address, normalisation to
// lower-case colon form, and generation under Neutron's base_mac (fa:16:3e:00:00:00).
import { randomBytes } from 'node:crypto';

const FORMS = [
  /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i,
  /^([0-9a-f]{2})([0-9a-f]{2})\.([0-9a-f]{2})([0-9a-f]{2})\.([0-9a-f]{2})([0-9a-f]{2})$/i,
];
const INVALID = new Set(['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff']);

/** The normalised MAC, or undefined when `s` is not a usable unicast-or-multicast MAC. */
export function normalizeMac(s: unknown): string | undefined {
  if (typeof s !== 'string') return undefined;
  for (const re of FORMS) {
    const m = re.exec(s);
    if (!m) continue;
    const mac = m.slice(1).join(':').toLowerCase();
    return INVALID.has(mac) ? undefined : mac;
  }
  return undefined;
}

/** A random MAC under `base` (only its first three octets are kept, as Neutron's default). */
export function randomMac(base = 'fa:16:3e:00:00:00'): string {
  const prefix = base.split(':').slice(0, 3);
  const tail = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'));
  return [...prefix, ...tail].join(':');
}
