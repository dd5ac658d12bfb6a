// The progress of `qemu-img convert -p` as byte counts for progress events.

import { performance } from "node:perf_hooks";

// `qemu-img convert -p` prints "    (12.34/100%)\r"; reported at most every 250 ms, and at 100%.
export function qemuProgress(report: (bytes: number) => void, total: number, now = () => performance.now()) {
  let last = Number.NEGATIVE_INFINITY;
  return (_stream: "stdout" | "stderr", chunk: string): void => {
    const percent = lastPercent(chunk);
    if (percent === undefined) return;
    const t = now();
    if (percent < 100 && t - last < 250) return;
    last = t;
    report(Math.round((percent / 100) * total));
  };
}

export function lastPercent(text: string): number | undefined {
  const all = [...text.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
  const m = all.at(-1);
  return m === undefined ? undefined : Number(m[1]);
}
