// Secrets for byol's own flags from a file or standard input (issue 15 item 14): table-driven
// over the forms a value can take, and errors that name the file, never its content.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { secretArgs } from "../../agent/commands/secret-arg.ts";
import { UsageError } from "../../agent/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "byol-secret-arg-"));
const URL_FILE = join(dir, "url");
const HEADERS_FILE = join(dir, "headers");
writeFileSync(URL_FILE, "https://h/x.qcow2?X-Amz-Signature=file-secret\n", { mode: 0o600 });
writeFileSync(HEADERS_FILE, "Authorization: Bearer file-token\r\n\nX-Extra: two\n", { mode: 0o600 });
const stdin = (s: string) => Readable.from([s]);

const VALUES: { given: string; stdin?: string; expected: string }[] = [
  { given: "https://h/x.qcow2?sig=plain", expected: "https://h/x.qcow2?sig=plain" },
  { given: `@${URL_FILE}`, expected: "https://h/x.qcow2?X-Amz-Signature=file-secret" },
  { given: "@-", stdin: "https://h/x?token=stdin-secret\n", expected: "https://h/x?token=stdin-secret" },
];
for (const c of VALUES) {
  test(`--image-url ${c.given}`, async () => {
    const secrets = secretArgs({ stdin: stdin(c.stdin ?? "") });
    assert.equal(await secrets.value("--image-url", c.given), c.expected);
  });
}

const HEADERS: { given: string[]; stdin?: string; expected: string[] }[] = [
  { given: ["A: 1", "B: 2"], expected: ["A: 1", "B: 2"] },
  { given: [`@${HEADERS_FILE}`], expected: ["Authorization: Bearer file-token", "X-Extra: two"] },
  {
    given: ["A: 1", "@-"],
    stdin: "Authorization: Basic c3RkaW4=\n",
    expected: ["A: 1", "Authorization: Basic c3RkaW4="],
  },
];
for (const c of HEADERS) {
  test(`--header ${c.given.join(" ")}`, async () => {
    const secrets = secretArgs({ stdin: stdin(c.stdin ?? "") });
    assert.deepEqual(await secrets.lines("--header", c.given), c.expected);
  });
}

test("a missing file is a usage error naming the flag and the file", async () => {
  await assert.rejects(
    secretArgs().value("--report-url", `@${join(dir, "missing")}`),
    (e: unknown) => e instanceof UsageError && /^--report-url @.*missing: cannot read it \(ENOENT\)$/.test(e.message),
  );
});

test("standard input is read by one flag only", async () => {
  const secrets = secretArgs({ stdin: stdin("x"), stdinTaken: "--request -" });
  await assert.rejects(secrets.value("--report-url", "@-"), /standard input is already read by --request -/);
  const twice = secretArgs({ stdin: stdin("https://h/a?sig=1234") });
  await twice.value("--image-url", "@-");
  await assert.rejects(twice.lines("--header", ["@-"]), /already read by --image-url/);
});
