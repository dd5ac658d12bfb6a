// rsync --info=progress2 lines: "  1,234,567  45%   12.34MB/s    0:00:05 (xfr#12, to-chk=3/40)".
// Pure; the copy step turns them into progress events.

export interface RsyncProgress {
  bytes: number;
  percent: number;
}

const LINE = /^\s*([\d,.]+)\s+(\d{1,3})%\s/;

export function parseProgress2(line: string): RsyncProgress | undefined {
  const m = LINE.exec(line);
  if (m === null) return undefined;
  return { bytes: Number(m[1]!.replace(/[,.]/g, "")), percent: Number(m[2]) };
}

// Splits rsync's output (progress lines end in \r, others in \n) into complete lines; returns
// the lines and what is left over for the next chunk.
export function splitLines(buffered: string, chunk: string): { lines: string[]; rest: string } {
  const parts = (buffered + chunk).split(/[\r\n]/);
  const rest = parts.pop() ?? "";
  return { lines: parts.filter((l) => l !== ""), rest };
}
