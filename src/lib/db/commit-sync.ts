// Durable SQLite commits without an fsync on the event loop. With synchronous=FULL every commit
// fsyncs the write-ahead log inside the (synchronous) node:sqlite call, so the whole process waits
// for the disk once per write: a quarter of the event loop's time in a stream of small Swift PUTs.
// Instead the connection stays at synchronous=NORMAL (a commit only writes the log) and a caller
// that must not answer before its commit is on disk awaits sync(), which fdatasyncs the log file
// on the thread pool. Group commit: one fdatasync covers every commit made before it started, and
// callers arriving while it runs share the next one.
// SQLite syncs the log before a checkpoint copies it into the database file, at NORMAL too, so the
// log we sync holds every commit that the database file does not.
import { open, type FileHandle } from 'node:fs/promises';
import type { DatabaseSync } from 'node:sqlite';
import { groupSync } from '../group-sync.ts';

export interface CommitSync {
  /** Call after every statement: notes what is committed (inside a transaction, nothing yet). */
  afterStatement(): void;
  /** Resolves once every commit made on this connection before the call is on disk. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface CommitSyncOptions {
  /** How the log reaches the disk (tests count the calls). */
  datasync?: (log: FileHandle) => Promise<void>;
}

export function walCommitSync(raw: DatabaseSync, file: string, opts: CommitSyncOptions = {}): CommitSync {
  const datasync = opts.datasync ?? ((fh: FileHandle) => fh.datasync());
  // rows changed by this connection, ever; read only outside a transaction, so it counts commits
  // (and rolled-back changes, which cost a spare sync at worst)
  const changesStmt = raw.prepare('SELECT total_changes() AS n');
  const changes = () => Number((changesStmt.get() as { n: number | bigint }).n);
  let committed = changes();
  let durable = committed;
  let log: Promise<FileHandle> | undefined;
  let runningUpTo = 0;

  const syncLog = groupSync(
    async () => {
      const upTo = (runningUpTo = committed);
      // the log exists once a write has committed, and only then do we get here
      if (!log) {
        log = open(`${file}-wal`, 'r');
        log.catch(() => { log = undefined; });
      }
      await datasync(await log);
      durable = Math.max(durable, upTo);
    },
    // a running sync that began after this caller's commit covers it
    () => runningUpTo >= committed,
  );
  let last: Promise<void> = Promise.resolve();

  return {
    afterStatement() {
      if (!raw.isTransaction) committed = changes();
    },
    sync() {
      if (committed === durable) return Promise.resolve();
      return (last = syncLog());
    },
    async close() {
      await last.catch(() => undefined);
      const fh = await log?.catch(() => undefined);
      log = undefined;
      await fh?.close();
    },
  };
}
