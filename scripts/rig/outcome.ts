// The install's outcome as byol reported it (the last JSON line, phase "result"), the checks of an install
// that was expected to fail, and the final verdict. Pure.
import type { Check } from "./checks.ts";
import { type DiskEnds, fingerprint, partitionTableSigns } from "./disk-state.ts";

export interface InstallResult {
  ok: boolean;
  exitCode: number;
  error?: { code: string; message: string };
}

// The result line of `byol install --json`; undefined when byol never printed one (it crashed or was killed).
export function parseResult(stdout: string): InstallResult | undefined {
  const lines = stdout.split("\n").filter((l) => l.trim().startsWith("{"));
  for (const line of lines.reverse()) {
    try {
      const e = JSON.parse(line) as Record<string, unknown>;
      if (e["phase"] === "result" && typeof e["exitCode"] === "number") return e as unknown as InstallResult;
    } catch {}
  }
  return undefined;
}

export interface ExpectedOutcome {
  exitCode: number;
  error?: string;
}

// The exit code and error message against the scenario's expectation.
export function exitChecks(want: ExpectedOutcome, got: InstallResult | undefined, sshExit: number): Check[] {
  const checks: Check[] = [];
  if (got === undefined) {
    return [{ name: "exit code", ok: false, detail: `byol printed no result line (ssh exit ${sshExit})` }];
  }
  const message = got.error ? `${got.error.code}: ${got.error.message}` : "no error";
  checks.push({
    name: "exit code",
    ok: got.exitCode === want.exitCode && sshExit === got.exitCode,
    detail: `byol exited ${got.exitCode} (process ${sshExit}), expected ${want.exitCode}; ${message}`,
  });
  if (want.error !== undefined) {
    const ok = got.error?.message.includes(want.error) === true;
    checks.push({
      name: "error message",
      ok,
      detail: `${ok ? "has" : "lacks"} ${JSON.stringify(want.error)}: ${message}`,
    });
  }
  return checks;
}

/** One target disk's ends before and after the install. */
export interface DiskBeforeAfter {
  name: string;
  before: DiskEnds;
  after: DiskEnds;
}

// Exit 3: the disks' ends are byte for byte as before. Exit 4: no partition table is left on any disk.
export function diskChecks(exitCode: number, disks: readonly DiskBeforeAfter[]): Check[] {
  if (exitCode === 3) {
    return disks.map((d) => {
      const ok = fingerprint(d.before) === fingerprint(d.after);
      return {
        name: `disk untouched ${d.name}`,
        ok,
        detail: ok ? fingerprint(d.after) : `${fingerprint(d.before)} -> ${fingerprint(d.after)}`,
      };
    });
  }
  if (exitCode === 4) {
    return disks.map((d) => {
      const signs = partitionTableSigns(d.after);
      const ok = signs.length === 0;
      return {
        name: `no partition table ${d.name}`,
        ok,
        detail: ok ? "no GPT header, no MBR entries" : `found ${signs.join(", ")}`,
      };
    });
  }
  return [];
}

export interface Verdict {
  scenario: string;
  ok: boolean;
  checks: Check[];
  /** Milliseconds: rescueBoot, install, diskBoot (power-on to SSH), cloudInit, checks, total, ... */
  timings: Record<string, number>;
  outDir: string;
}

// ok only when there is at least one check and every check passed.
export function makeVerdict(
  scenario: string,
  checks: Check[],
  timings: Record<string, number>,
  outDir: string,
): Verdict {
  return { scenario, ok: checks.length > 0 && checks.every((c) => c.ok), checks, timings, outDir };
}
