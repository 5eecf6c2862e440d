// Logging: pino, JSON lines. HTTP requests get a child logger carrying request_id.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { level?: string; file?: string; name?: string } = {}): Logger {
  const dest = opts.file ? pino.destination({ dest: opts.file, mkdir: true, sync: false }) : pino.destination(2);
  return pino({ level: opts.level ?? 'info', name: opts.name ?? 'stratus', base: { pid: process.pid } }, dest);
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
