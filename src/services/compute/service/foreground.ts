// API requests before background work. In the all-in-one the API, conductor, scheduler and the
// agents share one event loop; a burst of creates would otherwise make every new request wait
// behind the builds of the earlier ones. While the compute API is busy (a request in flight, or
// one answered less than `graceMs` ago: the next is probably being parsed), new background
// tasks (a placement and build, a delete on a host) wait and running ones pause at their
// checkpoints — but one task moves every `starveMs` at least, so none ever stops. When the API
// is idle they run side by side. Across processes (distributed mode) nothing waits.
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
      await new Promise<void>((r) => { this.#queue.push(r); this.#arm(this.#starveMs); });
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
    if (!this.#busy()) return;
    await new Promise<void>((r) => { this.#paused.push(r); this.#arm(this.#starveMs); });
  }

  /** Lets waiting work go: everything when idle, one piece per starveMs when busy. */
  #release(): void {
    if (this.#busy()) {
      if (Date.now() - this.#lastMove >= this.#starveMs) this.#moveOne();
    } else {
      const paused = this.#paused;
      this.#paused = [];
      for (const go of paused) go();
      while (this.#queue.length && this.#running < this.#idleWidth) { this.#running++; this.#queue.shift()!(); }
    }
    if (this.#queue.length || this.#paused.length) this.#arm(this.#busy() ? this.#starveMs : this.#graceMs);
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
    this.#timer = setTimeout(() => { this.#timer = undefined; this.#release(); }, ms);
    this.#timer.unref();
  }
}
