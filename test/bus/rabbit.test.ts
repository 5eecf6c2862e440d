// The bus conformance suite on RabbitMQ, when STRATUS_TEST_RABBIT_URL is set
// (CI: amqp://guest:guest@127.0.0.1:5672/). Reconnects are tested twice: with the socket
// destroyed under amqplib (a network failure) and, where rabbitmqctl can reach the broker,
// with the broker closing the connection (what an operator or a broker shutdown does).

import { execFile } from 'node:child_process';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import type { ChannelModel } from 'amqplib';
import type { Socket } from 'node:net';
import { busConformance } from './conformance.ts';

const url = process.env.STRATUS_TEST_RABBIT_URL;
const run = promisify(execFile);

/** The live amqplib connection of each bus, by the connection name it was opened with. */
const connections = new Map<string, ChannelModel>();
const recordingConnect: typeof connect = async (u, socketOptions) => {
  const model = await connect(u, socketOptions);
  connections.set(socketOptions?.clientProperties?.connection_name, model);
  return model;
};

async function destroySocket(connectionName: string): Promise<void> {
  const model = connections.get(connectionName);
  if (!model) throw new Error(`no connection named ${connectionName}`);
  // amqplib keeps the socket on the connection; its types do not say so.
  (model.connection as unknown as { stream: Socket }).stream.destroy(new Error('simulated network failure'));
}

async function brokerCloses(connectionName: string): Promise<void> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', '--no-table-headers', 'pid', 'client_properties']);
  const line = stdout.split('\n').find((l) => l.includes(`"${connectionName}"`));
  if (!line) throw new Error(`the broker lists no connection named ${connectionName}`);
  await run('rabbitmqctl', ['-q', 'close_connection', line.split('\t')[0], 'stratus conformance test']);
}

async function rabbitmqctlWorks(): Promise<boolean> {
  if (!url || !/@(127\.0\.0\.1|localhost)[:/]/.test(url)) return false;
  return run('rabbitmqctl', ['-q', 'list_connections', 'pid'], { timeout: 15_000 }).then(() => true, () => false);
}

if (!url) {
  it('RabbitMQ bus conformance', { skip: 'set STRATUS_TEST_RABBIT_URL (e.g. amqp://guest:guest@127.0.0.1:5672/) to run it' }, () => {});
} else {
  const ctl = await rabbitmqctlWorks();
  busConformance(url, {
    scope: () => ({ amqpConnect: recordingConnect }),
    breakers: {
      'socket destroyed': destroySocket,
      'broker closed the connection': ctl ? brokerCloses : { skip: 'rabbitmqctl cannot reach the broker of STRATUS_TEST_RABBIT_URL' },
    },
  });
}
