// API requests before background work. In the all-in-one the API, conductor, scheduler and the
// agents share one event loop; a burst of creates would otherwise make every new request wait
// behind the builds of the earlier ones. While the compute API is busy (a request in flight, from
// its arrival — before authentication and body parsing — to its answer, or one answered less
// than `graceMs` ago: the client is probably sending the next), new background tasks (a
// placement and build, a delete on a host) wait and running ones pause at their checkpoints —
// but one task moves every `starveMs` at least, so none ever stops. When the API is idle they
// run side by side, up to `idleWidth`, let go a few per turn of the event loop. Across processes
// (distributed mode) nothing waits.

/** Tasks let go per turn of the event loop while the API is idle. */
const RELEASE_BURST = 4;

export class Foreground {
  #active = 0;
  #lastLeave = 0;
  #running = 0;
  #queue: Array<() => void> = [];
  /** Running tasks paused at a checkpoint until the API is idle. */
  #paused: Array<() => void> = [];
  #lastMove = 0;
  #timer?: NodeJS.Timeout;
  #timerAt = 0;
  #immediate?: NodeJS.Immediate;
  readonly #idleWidth: number;
  readonly #starveMs: number;
  readonly #graceMs: number;

  constructor(opts: { idleWidth?: number; starveMs?: number; graceMs?: number } = {}) {
    this.#idleWidth = opts.idleWidth ?? 64;
    this.#starveMs = opts.starveMs ?? 50;
    this.#graceMs = opts.graceMs ?? 5;
  }

  enter(): void { this.#active++; }

  leave(): void {
    this.#active--;
    this.#lastLeave = Date.now();
    this.#arm(this.#graceMs);
  }

  #busy(): boolean { return this.#active > 0 || Date.now() - this.#lastLeave < this.#graceMs; }

  /** Runs a background task when its turn comes. Tasks must not wait for each other. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#busy() || this.#running >= this.#idleWidth || this.#queue.length) {
      await new Promise<void>((r) => { this.#queue.push(r); this.#arm(this.#lookAgainIn()); });
    } else {
      this.#running++;
    }
    try {
      return await fn();
    } finally {
      this.#running--;
      this.#release();
    }
  }

  /** A point inside a running background task where it gives way to a busy API. */
  async checkpoint(): Promise<void> {
    // First let the event loop poll: SQLite calls are synchronous, so a task's awaits resolve at
    // once and could run a whole build without ever letting a waiting request be read.
    await new Promise<void>((r) => setImmediate(r));
    if (!this.#busy()) return;
    await new Promise<void>((r) => { this.#paused.push(r); this.#arm(this.#lookAgainIn()); });
  }

  /** Lets waiting work go: RELEASE_BURST per turn when idle, one piece per starveMs when busy. */
  #release(): void {
    if (this.#busy()) {
      if (Date.now() - this.#lastMove >= this.#starveMs) this.#moveOne();
    } else {
      // A few at a time, then back to the event loop: each released task runs on to its next
      // checkpoint, and releasing them all at once would hold a request that has just arrived
      // behind every one of them.
      let n = RELEASE_BURST;
      while (n > 0 && this.#paused.length) { n--; this.#paused.shift()!(); }
      while (n > 0 && this.#queue.length && this.#running < this.#idleWidth) { n--; this.#running++; this.#queue.shift()!(); }
      if (n === 0 && (this.#paused.length || this.#queue.length)) { this.#soon(); return; }
    }
    if (this.#queue.length || this.#paused.length) this.#arm(this.#lookAgainIn());
  }

  /**
   * When waiting work should be looked at again. A request in flight re-arms as it leaves, so
   * starveMs; one only just answered: as its grace ends. That holds for work that starts waiting
   * after leave() armed nothing (there was nothing waiting then).
   */
  #lookAgainIn(): number {
    const graceLeft = this.#graceMs - (Date.now() - this.#lastLeave);
    return this.#active === 0 && graceLeft >= 0 ? graceLeft + 1 : this.#starveMs;
  }

  /** Releases more after the event loop has taken in what arrived meanwhile. */
  #soon(): void {
    if (this.#immediate) return;
    this.#immediate = setImmediate(() => { this.#immediate = undefined; this.#release(); });
  }

  #moveOne(): void {
    this.#lastMove = Date.now();
    if (this.#paused.length) this.#paused.shift()!();
    else if (this.#queue.length) { this.#running++; this.#queue.shift()!(); }
  }

  /** Makes sure #release runs within `ms` (an earlier wake-up replaces a later one). */
  #arm(ms: number): void {
    if (!this.#queue.length && !this.#paused.length) return;
    const at = Date.now() + ms;
    if (this.#timer) {
      if (this.#timerAt <= at) return;
      clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    // Decide on the next check phase, after the poll phase has read what arrived meanwhile: a
    // timer fires before it, when a request that came during a long task is not yet seen.
    this.#timer = setTimeout(() => { this.#timer = undefined; this.#soon(); }, ms);
    this.#timer.unref();
  }
}
