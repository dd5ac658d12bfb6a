// readRequestInput: files, stdin, and JSON errors that never quote the text.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RequestError } from "../../agent/errors.ts";
import { readRequestInput } from "../../agent/request/read.ts";

const dir = mkdtempSync(join(tmpdir(), "byol-read-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("readRequestInput", () => {
  it("parses a file (a UTF-8 BOM is tolerated)", async () => {
    assert.deepEqual(await readRequestInput(file("ok.json", '\uFEFF{"a": 1}')), { a: 1 });
  });

  it("reports invalid JSON with its position and without quoting the text", async () => {
    const path = file("bad.json", '{\n  "Authorization": Basic s3cr3t-value\n}');
    await assert.rejects(readRequestInput(path), (error: unknown) => {
      assert.ok(error instanceof RequestError);
      assert.equal(error.problems.length, 1);
      assert.equal(error.problems[0], "request: invalid JSON: Unexpected token 'B' at line 2 column 20");
      return true;
    });
  });

  it("reports truncated JSON", async () => {
    await assert.rejects(readRequestInput(file("cut.json", '{"a": ')), {
      name: "RequestError",
      message: "request: invalid JSON: Unexpected end of JSON input",
    });
  });

  it("reports a file it cannot read", async () => {
    const missing = join(dir, "missing.json");
    await assert.rejects(readRequestInput(missing), (error: unknown) => {
      assert.ok(error instanceof RequestError);
      assert.match(error.problems[0] ?? "", new RegExp(`^request: cannot read ${missing}: ENOENT`));
      return true;
    });
  });

  it('reads stdin when given "-"', () => {
    const module = new URL("../../agent/request/read.ts", import.meta.url).href;
    const script = `import { readRequestInput } from ${JSON.stringify(module)};
      process.stdout.write(JSON.stringify(await readRequestInput("-")));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { input: '{"from": "stdin"}' });
    assert.deepEqual(JSON.parse(out.toString()), { from: "stdin" });
  });
});
