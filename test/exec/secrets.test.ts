import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { CommandError } from "../../agent/errors.ts";
import { createEventSink } from "../../agent/exec/events.ts";
import { SECRET, setup } from "./helpers.ts";

const TOKEN = SECRET.split(" ")[1]!;

// Reads a stream's whole output so far.
function drain(stream: PassThrough): string {
  return String(stream.read() ?? "");
}

test("a secret in argv and in the output never reaches the journal, the log, events or the error", async () => {
  const { dir, runner, redactor, log } = setup();
  const json = new PassThrough();
  const human = new PassThrough();
  const jsonEvents = createEventSink({ json: true, out: json, redactor, file: join(dir, "events.jsonl") });
  const humanEvents = createEventSink({ json: false, out: human, redactor });
  const argv = ["sh", "-c", 'echo "Authorization: $1"; echo "curl: (22) auth $1 rejected" >&2; exit 22', "sh", SECRET];
  const r = await runner.run(["sh", "-c", 'echo "$1"', "sh", SECRET], { step: "download" });
  assert.equal(r.stdout, `${SECRET}\n`, "callers still get the real output to parse");
  const err = await runner.run(argv, { step: "download" }).catch((e: unknown) => e);
  assert.ok(err instanceof CommandError);
  log.info({ request: { httpHeaders: { Authorization: SECRET } }, url: `https://u:${TOKEN}@h/x` }, `got ${TOKEN}`);
  log.info({ req: { headers: { authorization: "Bearer unknown-to-redactor" } } }, "headers");
  for (const sink of [jsonEvents, humanEvents]) {
    sink.emit({ step: "download", phase: "start", title: `Download with ${SECRET}` });
    sink.emit({ step: "download", phase: "failed", durationMs: 5, error: { code: "download", message: err.message } });
    sink.emit({ step: "download", phase: "progress", bytes: 1, total: 2, message: TOKEN });
    sink.result({ ok: false, exitCode: 3, error: { code: "download", message: `${err.message} ${SECRET}` } });
  }
  const outputs = {
    message: err.message,
    stderrTail: err.stderrTail,
    command: err.command,
    journal: readFileSync(join(dir, "journal.jsonl"), "utf8"),
    log: readFileSync(join(dir, "byol.log"), "utf8"),
    eventsFile: readFileSync(join(dir, "events.jsonl"), "utf8"),
    json: drain(json),
    human: drain(human),
  };
  for (const [name, text] of Object.entries(outputs)) {
    assert.ok(text.length > 0, `${name} is empty`);
    assert.ok(!text.includes(TOKEN), `${name} leaks the secret: ${text}`);
  }
  assert.match(err.message, /^download: sh -c .* sh '\*\*\*' exited with code 22: curl: \(22\) auth \*\*\* rejected$/);
  assert.match(outputs.log, /"authorization":"\*\*\*"/);
  assert.ok(!outputs.log.includes("unknown-to-redactor"), "pino redact paths censor authorization headers");
});
