// The text of a progress line, like coreos-installer's `Read disk X MiB/Y MiB (Z%)`.

const MiB = 1024 * 1024;

export interface ProgressSample {
  label: string;
  bytes: number;
  total: number | null;
  elapsedMs: number; // since the step's first progress event
}

// `Download 512 MiB/2048 MiB (25%) 120 MiB/s ETA 12s`; parts that cannot be known are left out.
export function progressLine(p: ProgressSample): string {
  const done = Math.floor(p.bytes / MiB);
  const parts = [p.label];
  if (p.total !== null && p.total > 0) {
    const pct = Math.min(100, Math.floor((p.bytes / p.total) * 100));
    parts.push(`${done} MiB/${Math.floor(p.total / MiB)} MiB (${pct}%)`);
  } else {
    parts.push(`${done} MiB`);
  }
  const rate = p.elapsedMs > 0 ? p.bytes / (p.elapsedMs / 1000) : 0;
  if (rate >= 1) parts.push(`${Math.round(rate / MiB)} MiB/s`);
  if (rate >= 1 && p.total !== null && p.total > p.bytes)
    parts.push(`ETA ${formatSeconds((p.total - p.bytes) / rate)}`);
  return parts.join(" ");
}

// 75 -> "1m15s", 12.4 -> "12s", 3725 -> "1h02m".
export function formatSeconds(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

// 1234 -> "1.2s", 65000 -> "1m05s".
export function formatDuration(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : formatSeconds(ms / 1000);
}

// The line cut to fit a terminal `columns` wide, one column spare so it never wraps (a wrapped
// line cannot be redrawn with \r); cut text ends in "…". Unknown width: the line as it is.
export function fitColumns(line: string, columns: number | undefined): string {
  if (columns === undefined || !Number.isFinite(columns) || columns < 2) return line;
  const chars = [...line];
  const room = columns - 1;
  return chars.length <= room ? line : `${chars.slice(0, room - 1).join("")}…`;
}
