// Counts the bytes going through and reports them, at most once per interval and once at the
// end, so that a 10 GiB download yields a few hundred events rather than a hundred thousand.

import { Transform, type TransformCallback } from "node:stream";

export interface ProgressOptions {
  start?: number; // bytes already done before this stream (a resumed download)
  total: number | null; // the expected final count, null when unknown
  intervalMs?: number; // default 250
  report: (bytes: number, total: number | null) => void;
  now?: () => number; // for tests
}

export class ProgressStage extends Transform {
  readonly #total: number | null;
  readonly #interval: number;
  readonly #report: (bytes: number, total: number | null) => void;
  readonly #now: () => number;
  #bytes: number;
  #last: number;

  constructor(options: ProgressOptions) {
    super();
    this.#total = options.total;
    this.#interval = options.intervalMs ?? 250;
    this.#report = options.report;
    this.#now = options.now ?? performance.now.bind(performance);
    this.#bytes = options.start ?? 0;
    this.#last = this.#now();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    const now = this.#now();
    if (now - this.#last >= this.#interval) {
      this.#last = now;
      this.#report(this.#bytes, this.#total);
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#report(this.#bytes, this.#total);
    callback();
  }
}
