// Keeps a copy of the first bytes that go through, so a check made after the stream failed
// (the image outgrew the RAM limit) can still look at what the image is.

import { Transform, type TransformCallback } from "node:stream";

export class HeadStage extends Transform {
  readonly #want: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;

  constructor(bytes: number) {
    super();
    this.#want = bytes;
  }

  // The first bytes seen so far (fewer than asked when the stream ended or failed early).
  head(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#kept < this.#want) {
      const part = chunk.subarray(0, this.#want - this.#kept);
      this.#chunks.push(Buffer.from(part));
      this.#kept += part.length;
    }
    callback(null, chunk);
  }
}
