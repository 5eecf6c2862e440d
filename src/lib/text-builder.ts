// Text appended into one growing Buffer. A long answer built from many small strings (a
// 10,000-object listing) then holds each string only until it is copied in, not until a final
// join: strings still alive are what young-generation GC copies, and then promotes.
export class TextBuilder {
  #buf: Buffer;
  #len = 0;

  constructor(initialBytes = 64 * 1024) {
    this.#buf = Buffer.allocUnsafe(initialBytes);
  }

  add(text: string): void {
    // a UTF-16 code unit is at most three UTF-8 bytes
    if (text.length * 3 > this.#buf.length - this.#len) this.#grow(text.length * 3);
    this.#len += this.#buf.write(text, this.#len);
  }

  get length(): number {
    return this.#len;
  }

  /** The bytes so far (a view: add nothing after taking it). */
  toBuffer(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }

  #grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + need));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }
}
