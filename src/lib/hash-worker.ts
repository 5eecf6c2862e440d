// A hashing thread: MD5 and SHA-512 together cost ~362 MB/s on one core here, each alone
// ~700 MB/s, so an upload hashes one (or both) of them on worker threads while the request
// thread reads the socket and writes the file. Messages:
//   {id, op:'start', algos}  {id, op:'data', buf}  {id, op:'end'}  {id, op:'abort'}
//   {id, op:'data', view, seq}: a view of shared memory, read in place
// answered with {id, op:'ack', n} per data message ({id, op:'ack', n, seq} for a view: its
// memory may then be reused) and {id, op:'digest', hex: {algo: hex}}.
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

interface Msg { id: number; op: 'start' | 'data' | 'end' | 'abort'; algos?: string[]; buf?: ArrayBuffer; view?: Uint8Array; seq?: number }

const streams = new Map<number, Map<string, Hash>>();

parentPort!.on('message', (m: Msg) => {
  switch (m.op) {
    case 'start':
      streams.set(m.id, new Map(m.algos!.map((a) => [a, createHash(a)])));
      break;
    case 'data': {
      const hashes = streams.get(m.id);
      const view = m.view ?? new Uint8Array(m.buf!);
      if (hashes) for (const h of hashes.values()) h.update(view);
      parentPort!.postMessage({ id: m.id, op: 'ack', n: view.byteLength, seq: m.seq });
      break;
    }
    case 'end': {
      const hashes = streams.get(m.id);
      streams.delete(m.id);
      const hex: Record<string, string> = {};
      for (const [a, h] of hashes ?? []) hex[a] = h.digest('hex');
      parentPort!.postMessage({ id: m.id, op: 'digest', hex });
      break;
    }
    case 'abort':
      streams.delete(m.id);
      break;
  }
});
