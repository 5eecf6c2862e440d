// The yardstick for validate throughput: the cheapest possible Node HTTP server on this machine.
import { createServer } from 'node:http';
const port = Number(process.argv[2] ?? 8399);
createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"ok":true}'); }).listen(port, '127.0.0.1');
