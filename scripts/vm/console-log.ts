// Reading the serial console log that QEMU writes.
import { readFile } from "node:fs/promises";

// The last n lines of the console, or a note that there is none yet.
export async function consoleTail(path: string, n = 40): Promise<string> {
  const text = await readFile(path, "utf8").catch(() => "");
  if (!text) return "(console log empty)";
  return text.replaceAll("\r", "").trimEnd().split("\n").slice(-n).join("\n");
}

// Whether the console has printed the marker yet.
export async function consoleHas(path: string, marker: string): Promise<boolean> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.includes(marker);
}
