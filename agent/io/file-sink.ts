// The last stage of a download: copies the body into large batches, writes each full batch
// to the destination at its position, then hands it to the pool (the hasher). So the hash
// covers exactly the bytes on disk, and `written` is always a safe offset to resume from.
// Bytes still in a partial batch when the stream fails are dropped; a resume re-fetches them.
// The destination is a file by default, or any BatchDestination (a disk: agent/io/disk-sink.ts).

import { type FileHandle, open } from "node:fs/promises";
import { Writable } from "node:stream";
import { FileSinkError } from "../errors.ts";
import type { BatchPool } from "./batch-pool.ts";

// Where full batches are written. FileSink calls open once before the first write, write in
// order of position, close once at the end (after a failure too).
export interface BatchDestination {
  open(position: number): Promise<void>;
  write(batch: Uint8Array, length: number, position: number): Promise<void>;
  close(): Promise<void>;
}

export interface FileSinkOptions {
  path: string; // the file, or the name of `destination` in errors
  position: number; // 0 creates or truncates the file; N keeps its first N bytes and writes after them
  pool: BatchPool;
  destination?: BatchDestination; // default: the file at `path`
}

// The default destination: a plain file, created or truncated to `position` when opened.
class FileDestination implements BatchDestination {
  readonly #path: string;
  #file?: FileHandle;

  constructor(path: string) {
    this.#path = path;
  }

  async open(position: number): Promise<void> {
    this.#file = await open(this.#path, position === 0 ? "w" : "r+").catch((e) => {
      throw new FileSinkError("opening", this.#path, e);
    });
    if (position > 0) {
      await this.#file.truncate(position).catch((e) => {
        throw new FileSinkError("truncating", this.#path, e);
      });
    }
  }

  async write(batch: Uint8Array, length: number, position: number): Promise<void> {
    let done = 0;
    try {
      while (done < length) {
        const { bytesWritten } = await this.#file!.write(batch, done, length - done, position + done);
        done += bytesWritten;
      }
    } catch (e) {
      throw new FileSinkError("writing", this.#path, e);
    }
  }

  async close(): Promise<void> {
    await this.#file?.close();
  }
}

export class FileSink extends Writable {
  readonly #destination: BatchDestination;
  readonly #pool: BatchPool;
  #position: number;
  #batch?: Uint8Array;
  #filled = 0;
  #busy: Promise<unknown> = Promise.resolve();

  constructor(options: FileSinkOptions) {
    // a deep queue in front of the sink lets the socket run ahead while a batch is written
    super({ highWaterMark: options.pool.batchBytes });
    this.#destination = options.destination ?? new FileDestination(options.path);
    this.#pool = options.pool;
    this.#position = options.position;
  }

  // Bytes on disk (and handed to the pool) so far.
  get written(): number {
    return this.#position;
  }

  // Resolves with `written` once every write in flight has settled, even after a failure.
  async settled(): Promise<number> {
    await this.#busy.catch(() => {});
    return this.#position;
  }

  // Opens (or creates) the destination; only called once data is about to flow.
  override _construct(callback: (error?: Error | null) => void): void {
    this.#run(() => this.#destination.open(this.#position), callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#run(() => this.#take(chunk), callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.#run(async () => {
      for (const { chunk } of chunks) await this.#take(chunk);
    }, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#run(() => this.#flush(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const done = async () => {
      await this.#busy.catch(() => {});
      if (this.#batch !== undefined) this.#pool.release(this.#batch);
      this.#batch = undefined;
      await this.#destination.close();
    };
    done().then(
      () => callback(error),
      (e) => callback(error ?? e),
    );
  }

  // Runs one operation after the previous one, and reports its outcome to the stream.
  #run(op: () => Promise<void>, callback: (error?: Error | null) => void): void {
    const p = this.#busy.then(op);
    this.#busy = p;
    p.then(
      () => callback(),
      (e: Error) => callback(e),
    );
  }

  // Copies a chunk into batches, writing every batch that fills up.
  async #take(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      this.#batch ??= await this.#pool.acquire();
      const n = Math.min(chunk.length - offset, this.#batch.length - this.#filled);
      this.#batch.set(chunk.subarray(offset, offset + n), this.#filled);
      this.#filled += n;
      offset += n;
      if (this.#filled === this.#batch.length) await this.#flush();
    }
  }

  // Writes the current batch at its position, then gives it to the pool.
  async #flush(): Promise<void> {
    const batch = this.#batch;
    const length = this.#filled;
    if (batch === undefined || length === 0) return;
    this.#batch = undefined;
    this.#filled = 0;
    try {
      await this.#destination.write(batch, length, this.#position);
    } catch (e) {
      this.#pool.release(batch);
      throw e;
    }
    this.#position += length;
    this.#pool.submit(batch, length);
  }
}
