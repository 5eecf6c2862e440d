// In-flight disk format inspection (oslo.utils format_inspector, as Glance uses it on `bare`
// uploads): recognise the format from the first bytes and read the virtual size from its
// header. Only the first HEAD_BYTES are kept; the stream itself is not held.
import { UnsupportedMediaType } from '../../../lib/errors.ts';

const HEAD_BYTES = 64 << 10;
/** Formats whose data we can recognise (format_inspector.ALL_FORMATS, less qed/gpt/luks). */
const INSPECTABLE = new Set(['raw', 'qcow2', 'vhd', 'vhdx', 'vmdk', 'vdi', 'iso']);

export interface Inspection { format: string; virtualSize: number | null }

export class FormatInspector {
  #chunks: Buffer[] = [];
  #bytes = 0;

  feed(chunk: Buffer): void {
    if (this.#bytes >= HEAD_BYTES) return;
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
  }

  /** What the data looks like, given its total size. */
  inspect(totalSize: number): Inspection {
    const h = Buffer.concat(this.#chunks).subarray(0, HEAD_BYTES);
    this.#chunks = [];
    if (h.length >= 32 && h.readUInt32BE(0) === 0x514649fb) return { format: 'qcow2', virtualSize: Number(h.readBigUInt64BE(24)) };
    if (h.length >= 20 && h.toString('latin1', 0, 4) === 'KDMV') return { format: 'vmdk', virtualSize: Number(h.readBigUInt64LE(12)) * 512 };
    if (h.length >= 0x178 && h.readUInt32LE(0x40) === 0xbeda107f) return { format: 'vdi', virtualSize: Number(h.readBigUInt64LE(0x170)) };
    if (h.length >= 56 && h.toString('latin1', 0, 8) === 'conectix') return { format: 'vhd', virtualSize: Number(h.readBigUInt64BE(48)) };
    if (h.length >= 8 && h.toString('latin1', 0, 8) === 'vhdxfile') return { format: 'vhdx', virtualSize: null };
    if (h.length >= 0x8006 && h.toString('latin1', 0x8001, 0x8006) === 'CD001') {
      const pvd = 0x8000;
      return { format: 'iso', virtualSize: h.length >= pvd + 130 ? h.readUInt32LE(pvd + 80) * h.readUInt16LE(pvd + 128) : totalSize };
    }
    return { format: 'raw', virtualSize: totalSize };
  }
}

/**
 * Glance's rule (glance.location.ImageProxy.set_data): the declared disk_format must match the
 * data, except that formats we cannot inspect (ami, ari, aki, ploop) accept data we did not
 * recognise, and `raw` accepts anything (its virtual size is then the byte size).
 * Returns the virtual size to record, or throws 415 when `requireMatch` and they disagree.
 */
export function checkFormat(declared: string | null, found: Inspection, totalSize: number, requireMatch: boolean): number | null {
  if (declared === found.format) return found.virtualSize;
  if (found.format === 'raw' && (declared === null || !INSPECTABLE.has(declared))) return null;
  if (declared === 'raw') return totalSize;
  if (requireMatch) throw new UnsupportedMediaType(`Image disk_format ${declared} does not match stream data ${found.format}`);
  return null;
}
