// JSON lines as a killed run leaves them: a last line cut short, or a stray one, is skipped.

import { readFileSync } from "node:fs";

export function parseJsonLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a line cut short by a kill
    }
  }
  return out;
}

// [] when the file does not exist.
export function readJsonLines<T>(file: string): T[] {
  try {
    return parseJsonLines<T>(readFileSync(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
