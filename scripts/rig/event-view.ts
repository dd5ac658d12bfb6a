// A compact terminal view of byol's --json event lines: one line per step start/end, progress at most
// every few seconds, warnings, the result. Lines that are not events (stderr) are shown indented.

export interface EventView {
  /** Takes one output line of byol; returns the lines to show (maybe none). */
  line(text: string): string[];
}

const mib = (n: number) => `${(n / 1048576).toFixed(0)} MiB`;
const secs = (ms: unknown) => (typeof ms === "number" ? ` (${(ms / 1000).toFixed(1)} s)` : "");

export function createEventView(now: () => number = Date.now, progressEveryMs = 10_000): EventView {
  const lastProgress = new Map<string, number>();
  return {
    line(text) {
      const trimmed = text.trim();
      if (trimmed === "") return [];
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(trimmed) as Record<string, unknown>;
        if (typeof e !== "object" || e === null || typeof e["phase"] !== "string") throw new Error("not an event");
      } catch {
        return [`    | ${trimmed}`];
      }
      const step = String(e["step"] ?? "?");
      switch (e["phase"]) {
        case "start":
          return [`  > ${step}${e["title"] ? `: ${e["title"]}` : ""}`];
        case "done":
          return [`  ok ${step}${secs(e["durationMs"])}`];
        case "failed": {
          const err = e["error"] as { code?: string; message?: string } | undefined;
          return [`  FAILED ${step}${secs(e["durationMs"])}: ${err?.message ?? "?"}`];
        }
        case "progress": {
          const t = now();
          const bytes = typeof e["bytes"] === "number" ? e["bytes"] : 0;
          const total = typeof e["total"] === "number" ? e["total"] : undefined;
          const done = total !== undefined && bytes >= total;
          if (!done && t - (lastProgress.get(step) ?? 0) < progressEveryMs) return [];
          lastProgress.set(step, t);
          const pct = total ? ` (${Math.floor((bytes / total) * 100)}%)` : "";
          const message = e["message"] ? ` ${e["message"]}` : "";
          return [`    ${step} ${mib(bytes)}${total ? `/${mib(total)}` : ""}${pct}${message}`];
        }
        case "log":
          return [`    ${e["level"] ?? "info"}: ${e["message"] ?? ""}`];
        case "result": {
          const err = e["error"] as { code?: string; message?: string } | undefined;
          return [
            e["ok"] ? "  ==> install ok" : `  ==> install failed (exit ${e["exitCode"]}): ${err?.message ?? "?"}`,
          ];
        }
        default:
          return [`    ${trimmed}`];
      }
    },
  };
}

// Splits a stream of chunks into whole lines, keeping the unfinished tail for the next chunk.
export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let rest = "";
  return {
    push(chunk) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const p of parts) onLine(p.replace(/\r$/, ""));
    },
    end() {
      if (rest !== "") onLine(rest);
      rest = "";
    },
  };
}
