// Every flag a command's parser accepts is named on its --help page, and every command
// dispatch.ts knows has a page. Its table loads each command's function, not its module, so the
// table is read as text and each module imported here for its FLAGS.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { hasHelp, helpText } from "../../agent/commands/help.ts";

const dispatchSource = readFileSync(new URL("../../agent/commands/dispatch.ts", import.meta.url), "utf8");
const dispatched = [
  ...dispatchSource.matchAll(/^\s+"?([\w-]+)"?: async \(\) => \(await import\("\.\/([\w-]+)\.ts"\)\)/gm),
].map((m) => ({ name: m[1]!, module: m[2]! }));

describe("--help names every flag", () => {
  it("finds the commands dispatch.ts knows", () => {
    assert.ok(dispatched.length >= 8, `only ${dispatched.length} commands found in agent/commands/dispatch.ts`);
    assert.ok(dispatched.some((c) => c.name === "install"));
  });
  for (const { name, module } of dispatched) {
    it(`byol ${name}`, async () => {
      assert.ok(hasHelp(name), `no help page for ${name}`);
      const mod = (await import(`../../agent/commands/${module}.ts`)) as { FLAGS?: Record<string, unknown> };
      assert.ok(mod.FLAGS !== undefined, `agent/commands/${module}.ts exports no FLAGS (its parseArgs options)`);
      const page = helpText(name);
      const missing = Object.keys(mod.FLAGS).filter((flag) => !new RegExp(`--${flag}\\b`).test(page));
      assert.deepEqual(missing, [], `byol ${name} --help does not name: ${missing.map((f) => `--${f}`).join(" ")}`);
    });
  }
});
