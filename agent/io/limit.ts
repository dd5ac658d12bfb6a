// Fails a stream as soon as more than `maxBytes` have gone through it: the guard for bodies
// whose size was not announced (or was announced wrongly).

import { Transform, type TransformCallback } from "node:stream";

export interface LimitOptions {
  maxBytes: number;
  seen?: number; // bytes that already went through before this stream (a resumed download)
  error: () => Error; // the error the stream fails with
}

export class LimitStage extends Transform {
  readonly #max: number;
  readonly #error: () => Error;
  #seen: number;

  constructor(options: LimitOptions) {
    super();
    this.#max = options.maxBytes;
    this.#error = options.error;
    this.#seen = options.seen ?? 0;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#max) callback(this.#error());
    else callback(null, chunk);
  }
}
