// Kills every live QEMU and removes its scratch files when the harness exits, even on SIGINT/SIGTERM.
import { rmSync } from "node:fs";

/** What must go when the process goes: a QEMU to kill and files to delete. */
export interface Leftover {
  kill: () => void;
  paths: readonly string[];
}

const live = new Set<Leftover>();
let installed = false;

function sweep(): void {
  for (const l of live) {
    try {
      l.kill();
    } catch {}
    for (const p of l.paths) rmSync(p, { recursive: true, force: true });
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  sweep();
  process.exit(signal === "SIGINT" ? 130 : 143);
}

// Registers a leftover until the returned function is called.
export function track(leftover: Leftover): () => void {
  if (!installed) {
    installed = true;
    process.on("exit", sweep);
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }
  live.add(leftover);
  return () => live.delete(leftover);
}
