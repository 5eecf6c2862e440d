// What travels on the bus, as JSON text, and oslo.messaging's version rule.
// Every message is encoded here for both transports, so a value that does not survive JSON
// (a Date becomes its ISO string, a Map becomes {}, undefined disappears) behaves the same
// in the all-in-one as across hosts.

import { CloudError } from '../errors.ts';
import type { WireError } from '../errors.ts';
import type { RequestContext } from '../auth/context.ts';

export interface RpcRequest {
  /** Message id; the reply carries it back (oslo's _msg_id). */
  id: string;
  method: string;
  args: unknown;
  /** Target version, 'X.Y'. */
  version: string;
  context: RequestContext;
  /** Reply queue for a call (oslo's _reply_q); absent for cast and fanout. */
  replyTo?: string;
  /** How long the caller waits, so the server stops replying after that. */
  timeoutMs?: number;
}

export interface RpcReply {
  id: string;
  result?: unknown;
  failure?: WireError;
}

export function encode(value: unknown, what: string): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    // BigInt, cycles: a programming error in the sender, reported to it rather than lost.
    throw new CloudError(`cannot serialise ${what} for the message bus: ${(err as Error).message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse a request; undefined if it is not one (logged and dropped by the caller). */
export function decodeRequest(body: string): RpcRequest | undefined {
  const m: unknown = JSON.parse(body);
  if (!isObject(m) || typeof m.id !== 'string' || typeof m.method !== 'string' || typeof m.version !== 'string') return undefined;
  if (!isObject(m.context) || typeof m.context.requestId !== 'string') return undefined;
  if (m.replyTo !== undefined && typeof m.replyTo !== 'string') return undefined;
  return m as unknown as RpcRequest;
}

export function decodeReply(body: string): RpcReply | undefined {
  const m: unknown = JSON.parse(body);
  if (!isObject(m) || typeof m.id !== 'string') return undefined;
  if (m.failure !== undefined && (!isObject(m.failure) || typeof m.failure.code !== 'string')) return undefined;
  return m as unknown as RpcReply;
}

const VERSION = /^(\d+)\.(\d+)(?:\.(\d+))?$/;

export function parseVersion(v: string): number[] | undefined {
  const m = VERSION.exec(v);
  return m ? m.slice(1).filter((x) => x !== undefined).map(Number) : undefined;
}

/**
 * oslo.messaging's version_is_compatible: same major, and the implementation's minor (and
 * revision, if both have one) is at least the requested one.
 */
export function versionIsCompatible(implemented: string, requested: string): boolean {
  const imp = parseVersion(implemented);
  const req = parseVersion(requested);
  if (!imp || !req) return false;
  if (imp[0] !== req[0]) return false;
  if (imp[1] !== req[1]) return imp[1] > req[1];
  return req.length < 3 || (imp[2] ?? 0) >= req[2];
}

/** Topic and server names become routing keys: keep them free of AMQP's separators/wildcards. */
export function checkTarget(topic: string, server?: string): void {
  if (!/^[^.*#\s]+$/.test(topic)) throw new CloudError(`invalid bus topic ${JSON.stringify(topic)}: no dots, wildcards or spaces`);
  if (server !== undefined && !/^[^*#\s]+$/.test(server)) throw new CloudError(`invalid bus server ${JSON.stringify(server)}: no wildcards or spaces`);
}

/** A broker URL with its password masked, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparsable url>';
  }
}
