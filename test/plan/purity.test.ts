// The planner is pure: every file agent/plan/ reaches through relative imports is scanned for
// I/O modules, the clock, randomness and process access.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const PLAN_DIR = fileURLToPath(new URL("../../agent/plan/", import.meta.url));
const FORBIDDEN_MODULES = [
  "fs",
  "node:fs",
  "fs/promises",
  "node:fs/promises",
  "fs-extra",
  "execa",
  "undici",
  "pino",
  "child_process",
  "node:child_process",
];
const FORBIDDEN_CODE: [RegExp, string][] = [
  [/\bDate\b/, "Date"],
  [/\bMath\.random\b/, "Math.random"],
  [/\bprocess\s*\./, "process."],
  [/\bperformance\s*\./, "performance."],
  [/\bcrypto\.random/, "crypto.random*"],
];

// Comments may talk about the clock or processes; only code counts.
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

// Every module specifier of a source: static imports, re-exports, side-effect and dynamic imports.
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bfrom\s+["']([^"']+)["']/g,
    /\bimport\s+["']([^"']+)["']/g,
    /\b(?:import|require)\s*\(\s*["']([^"']+)["']/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]!);
  return found;
}

// The problems of one source text.
function problemsOf(file: string, source: string): string[] {
  const code = stripComments(source);
  const problems: string[] = [];
  for (const spec of specifiers(code)) {
    if (FORBIDDEN_MODULES.includes(spec)) problems.push(`${file} imports ${spec}`);
    else if (!spec.startsWith(".") && /^(node:)?(fs|child_process)\//.test(spec))
      problems.push(`${file} imports ${spec}`);
  }
  if (/\b(?:import|require)\s*\(\s*[^"'\s]/.test(code)) problems.push(`${file} has a computed import`);
  for (const [re, name] of FORBIDDEN_CODE) if (re.test(code)) problems.push(`${file} uses ${name}`);
  return problems;
}

// All .ts files under a directory.
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}

// The plan sources plus everything they import through relative paths, transitively.
function reachable(): Map<string, string> {
  const seen = new Map<string, string>();
  const queue = tsFiles(PLAN_DIR);
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    const source = readFileSync(file, "utf8");
    seen.set(file, source);
    for (const spec of specifiers(stripComments(source))) {
      if (spec.startsWith(".")) queue.push(resolve(dirname(file), spec));
    }
  }
  return seen;
}

describe("agent/plan purity", () => {
  it("reaches the shared modules it imports", () => {
    const files = [...reachable().keys()].map((f) => f.slice(f.indexOf("/agent/") + 1));
    for (const f of ["agent/plan/index.ts", "agent/probe/groups.ts", "agent/redact.ts", "agent/request/types.ts"]) {
      assert.ok(files.includes(f), f);
    }
  });

  it("imports no I/O module and uses no clock, randomness or process", () => {
    const problems = [...reachable()].flatMap(([file, source]) => problemsOf(file, source));
    assert.deepEqual(problems, []);
  });

  it("the scan itself catches each kind of violation", () => {
    const bad = [
      'import { readFileSync } from "node:fs";',
      'import { execa } from "execa";',
      'export { x } from "fs-extra";',
      'const p = await import("undici");',
      "const t = Date.now();",
      "const r = Math.random();",
      "const e = process.env.HOME;",
    ].join("\n");
    assert.equal(problemsOf("bad.ts", bad).length, 7);
    assert.deepEqual(problemsOf("ok.ts", "// Date and process.env in a comment\nconst x = 1;"), []);
  });
});
