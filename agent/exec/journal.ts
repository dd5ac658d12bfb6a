// The command journal: every external command of a run, one JSON line each in
// journal.jsonl, so a failed install can be read back or replayed on another machine.

import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { JournalEntry } from "./types.ts";

export class Journal {
  readonly file: string | undefined;
  readonly #entries: JournalEntry[] = [];

  // Without a file the journal only keeps entries in memory (byol plan, tests).
  constructor(file?: string) {
    this.file = file;
    if (file !== undefined) mkdirSync(dirname(file), { recursive: true });
  }

  // Appended synchronously: a run has few commands, and a killed run keeps every line.
  record(entry: JournalEntry): void {
    this.#entries.push(entry);
    if (this.file !== undefined) appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
  }

  entries(): readonly JournalEntry[] {
    return [...this.#entries];
  }
}
