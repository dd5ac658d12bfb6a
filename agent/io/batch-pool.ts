// Where the file sink gets the batches it fills, and where a written batch goes next.
// HashWorker is one (written batches are hashed); PlainPool is the one for downloads
// without a checksum (written batches are simply reused).

export interface BatchPool {
  readonly batchBytes: number;
  // A batch to fill; may wait (back-pressure).
  acquire(): Promise<Uint8Array>;
  // The first `length` bytes of the batch are on disk; the pool owns the batch again.
  submit(batch: Uint8Array, length: number): void;
  // An acquired batch that will not be submitted.
  release(batch: Uint8Array): void;
}

// Batches that only need to be reused: the write has completed when submit() is called.
export class PlainPool implements BatchPool {
  readonly batchBytes: number;
  readonly #free: Uint8Array[] = [];

  constructor(batchBytes = 1 << 20) {
    this.batchBytes = batchBytes;
  }

  acquire(): Promise<Uint8Array> {
    return Promise.resolve(this.#free.pop() ?? new Uint8Array(this.batchBytes));
  }

  submit(batch: Uint8Array): void {
    this.#free.push(batch);
  }

  release(batch: Uint8Array): void {
    this.#free.push(batch);
  }
}
