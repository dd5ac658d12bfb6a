// Output tails kept in the journal and in error messages.

export const TAIL_CHARS = 4096;

// The journal keeps only the end of a command's output: that is where tools explain a failure.
export function tail(text: string, max = TAIL_CHARS): string {
  return text.length <= max ? text : text.slice(text.length - max);
}

// The last few non-empty lines, for a one-glance error message.
export function lastLines(text: string, count = 3, maxChars = 600): string {
  const lines = text
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const picked = lines.slice(-count).join("; ");
  return picked.length <= maxChars ? picked : `…${picked.slice(picked.length - maxChars)}`;
}
