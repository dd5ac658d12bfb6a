// A hash computed on a worker thread, so that hashing (the slowest part of a download) runs on
// its own core while the main thread keeps the socket and the file busy.
//
// Data moves in fixed-size batches that are transferred, never copied: the caller acquires a
// batch, fills it, submits it; the worker hashes it and transfers it back to the free pool.
// A small pool bounds memory and is the back-pressure: when every batch is waiting to be
// hashed, acquire() waits.

import type { EventLoopUtilization } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { ChecksumType } from "../request/types.ts";
import type { BatchPool } from "./batch-pool.ts";

// Plain JavaScript evaluated in the worker: a .ts worker file would not survive the
// single-file bundle that is shipped to rescue systems.
const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const hash = createHash(workerData.algorithm);
parentPort.on("message", (m) => {
  if (m.buffer === undefined) return parentPort.postMessage({ digest: hash.digest("hex") });
  hash.update(new Uint8Array(m.buffer, 0, m.length));
  parentPort.postMessage({ buffer: m.buffer, length: m.length }, [m.buffer]);
});
`;

type Message = { buffer: ArrayBuffer; length: number } | { digest: string };

export interface HashWorkerOptions {
  batchBytes?: number; // default 1 MiB
  batches?: number; // default 4
}

export class HashWorker implements BatchPool {
  readonly algorithm: ChecksumType;
  readonly batchBytes: number;
  readonly #maxBatches: number;
  readonly #worker: Worker;
  readonly #free: ArrayBuffer[] = [];
  readonly #waiting: { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }[] = [];
  #allocated = 0;
  #hashed = 0; // bytes the worker has hashed
  #digest?: { resolve: (hex: string) => void; reject: (e: Error) => void };
  #failure?: Error;

  constructor(algorithm: ChecksumType, options: HashWorkerOptions = {}) {
    this.algorithm = algorithm;
    this.batchBytes = options.batchBytes ?? 1 << 20;
    this.#maxBatches = options.batches ?? 4;
    this.#worker = new Worker(THREAD, { eval: true, workerData: { algorithm } });
    this.#worker.on("message", (m: Message) => this.#onMessage(m));
    this.#worker.on("error", (e: Error) => this.#fail(e));
    this.#worker.on("exit", () => this.#fail(new Error(`${algorithm} worker exited`)));
  }

  // How busy the hash thread has been (see agent/download/link-bound.ts).
  eventLoopUtilization(): EventLoopUtilization {
    return this.#worker.performance.eventLoopUtilization();
  }

  // How fast this machine hashes, in bytes per ms of the hash thread's busy time; undefined until
  // it has hashed a few batches. Used to tell a link slower than the hash (more connections may
  // pay) from one already close to it (agent/download/image.ts).
  bytesPerMs(): number | undefined {
    const busy = this.eventLoopUtilization().active;
    return this.#hashed < 4 * this.batchBytes || busy <= 0 ? undefined : this.#hashed / busy;
  }

  // A batch to fill; waits while every batch is queued for hashing.
  acquire(): Promise<Uint8Array> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const free = this.#free.pop();
    if (free !== undefined) return Promise.resolve(new Uint8Array(free));
    if (this.#allocated < this.#maxBatches) {
      this.#allocated++;
      return Promise.resolve(new Uint8Array(new ArrayBuffer(this.batchBytes)));
    }
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  // Hands the first `length` bytes of a batch to the worker; the batch is detached here.
  submit(batch: Uint8Array, length: number): void {
    if (this.#failure !== undefined) throw this.#failure;
    const buffer = batch.buffer as ArrayBuffer;
    this.#worker.postMessage({ buffer, length }, [buffer]);
  }

  // Returns an acquired batch that will not be submitted.
  release(batch: Uint8Array): void {
    this.#recycle(batch.buffer as ArrayBuffer);
  }

  // The hex digest of everything submitted so far. Messages are ordered, so every batch
  // submitted before this call is included.
  digest(): Promise<string> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#digest = { resolve, reject };
      this.#worker.postMessage({});
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#failure ??= new Error(`${this.algorithm} worker closed`);
    await this.#worker.terminate();
  }

  #onMessage(m: Message): void {
    if ("digest" in m) {
      this.#digest?.resolve(m.digest);
      this.#digest = undefined;
    } else {
      this.#hashed += m.length;
      this.#recycle(m.buffer);
    }
  }

  #recycle(buffer: ArrayBuffer): void {
    const waiter = this.#waiting.shift();
    if (waiter !== undefined) waiter.resolve(new Uint8Array(buffer));
    else this.#free.push(buffer);
  }

  #fail(e: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = e;
    for (const w of this.#waiting.splice(0)) w.reject(e);
    this.#digest?.reject(e);
  }
}
