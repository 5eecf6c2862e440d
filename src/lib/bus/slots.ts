// A counting semaphore that can be closed: how a server bounds the methods it runs at once.

export class Slots {
  #free: number;
  #waiters: Array<(granted: boolean) => void> = [];
  #closed = false;

  constructor(size: number) {
    this.#free = size;
  }

  /** Resolves true with a slot, or false once closed (the caller gives its work back). */
  acquire(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next(true);
    else this.#free++;
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w(false);
  }
}
