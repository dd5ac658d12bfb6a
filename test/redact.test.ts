// Secrets in URLs (issue 15 item 13): pre-signed query parameters are masked like URL passwords,
// table-driven over the signers' URL forms, and over every output channel of a real install
// process (stdout events, stderr, events.jsonl, journal, byol.log, status.json, current.json,
// the run record, `byol status`, `byol plan`).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { redactorFor, redactUrl, urlSecrets } from "../agent/redact.ts";
import { parseRequest } from "../agent/request/index.ts";
import { type Served, serve } from "./support/image-server.ts";

interface UrlCase {
  signer: string;
  query: string; // after "?"
  secrets: string[]; // values that must never be printed
}

const CASES: UrlCase[] = [
  {
    signer: "S3 SigV4",
    query:
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261203%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261203T000000Z&X-Amz-Expires=3600&X-Amz-Security-Token=FQoGZXIvYXdzEJr0sectoken&X-Amz-SignedHeaders=host&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
    secrets: [
      "AKIAIOSFODNN7EXAMPLE",
      "FQoGZXIvYXdzEJr0sectoken",
      "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
    ],
  },
  {
    signer: "S3 SigV2",
    query: "AWSAccessKeyId=AKIAEXAMPLEV2KEY&Expires=1790000000&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D",
    secrets: ["AKIAEXAMPLEV2KEY", "vjbyPxybdZaNmGa+yT272YEAiv4=", "vjbyPxybdZaNmGa%2ByT272YEAiv4%3D"],
  },
  {
    signer: "GCS",
    query:
      "X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=svc%40proj.iam&X-Goog-Signature=0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    secrets: ["svc@proj.iam", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"],
  },
  {
    signer: "Azure SAS",
    query: "sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-31&sig=Zm9vYmFyYmF6cXV4c2FzLXNpZ25hdHVyZQ%3D%3D",
    secrets: ["Zm9vYmFyYmF6cXV4c2FzLXNpZ25hdHVyZQ=="],
  },
  {
    signer: "CloudFront",
    query:
      "Policy=eyJTdGF0ZW1lbnQiOlt7IlJlc291cmNlIjoiaHR0cHM6Ly9kIn1dfQ__&Signature=cfSigAbCdEfGhIjKlMnOp&Key-Pair-Id=K2JCJMDEHXQW5F",
    secrets: ["eyJTdGF0ZW1lbnQiOlt7IlJlc291cmNlIjoiaHR0cHM6Ly9kIn1dfQ__", "cfSigAbCdEfGhIjKlMnOp", "K2JCJMDEHXQW5F"],
  },
  { signer: "a token parameter", query: "token=tok-abcdef", secrets: ["tok-abcdef"] },
  { signer: "an api key parameter", query: "key=k3y-value", secrets: ["k3y-value"] },
  { signer: "a parameter byol does not know", query: "download_id=0123456789abcdef", secrets: ["0123456789abcdef"] },
];

describe("redactUrl and urlSecrets", () => {
  for (const c of CASES) {
    it(`masks every query value of ${c.signer}, keeps the names`, () => {
      const url = `https://u:pw-secret@images.example/path/image.qcow2?${c.query}`;
      const shown = redactUrl(url);
      for (const s of [...c.secrets, "pw-secret"]) assert.ok(!shown.includes(s), `${shown} shows ${s}`);
      const names = c.query.split("&").map((p) => p.split("=")[0]);
      for (const name of names) assert.ok(shown.includes(`${name}=***`), `${shown} keeps ${name}`);
      const redactor = redactorFor(requestWith(url));
      // the URL as any message may carry it: raw, decoded, JSON-escaped
      for (const text of [url, decodeURIComponent(url), JSON.stringify({ url })]) {
        const masked = redactor.redact(text);
        for (const s of c.secrets) assert.ok(!masked.includes(s), `${masked} shows ${s}`);
      }
    });
  }

  it("leaves URLs without credentials or query as they are, and common short words alone", () => {
    assert.equal(redactUrl("https://images.example/a.qcow2"), "https://images.example/a.qcow2");
    assert.deepEqual(urlSecrets("https://images.example/a.qcow2?format=raw&v=1&ok=true"), []);
    assert.equal(redactorFor(requestWith("https://h/x?ok=true")).redact('{"ok":true}'), '{"ok":true}');
  });
});

function requestWith(url: string) {
  const parsed = parseRequest(requestBody(url));
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.request;
}

function requestBody(url: string): object {
  return {
    operatingSystem: "byolinux_64",
    customizations: { hostname: "h", imageURL: url, imageType: "qcow2" },
  };
}

// One real install process per case: the image URL is refused (403), the run record is uploaded
// to a pre-signed --report-url. Every channel is read for every secret.
describe("no query secret in any output channel", { concurrency: 1 }, () => {
  const byol = join(import.meta.dirname, "../bin/byol.mjs");
  const dir = mkdtempSync(join(tmpdir(), "byol-url-secrets-"));
  let server: Served;
  const REPORT_SIG = "report-signature-0123456789";
  before(async () => {
    writeFileSync(
      join(dir, "inventory.json"),
      JSON.stringify({
        firmware: "uefi",
        memoryBytes: 8 * 1024 ** 3,
        disks: [{ path: "/dev/byol-test-nonexistent-a", sizeBytes: 16 * 1024 ** 3, logicalSectorSize: 512 }],
      }),
    );
    server = await serve((req, res) => {
      if (req.method === "PUT") {
        req.resume();
        req.on("end", () => res.writeHead(200).end());
        return;
      }
      res.writeHead(403, { "content-type": "text/plain" }).end(`denied: ${req.url}`);
    });
  });
  after(async () => {
    await server[Symbol.asyncDispose]();
  });

  for (const c of CASES.slice(0, 3)) {
    it(`${c.signer}: stdout, stderr, run dir, run record, status and plan`, async () => {
      const runDir = mkdtempSync(join(dir, "run-"));
      const env = {
        ...process.env,
        BYOL_RUN_DIR: runDir,
        BYOL_REPORT_DIR: join(runDir, "reports"),
        BYOL_TEST_INVENTORY: join(dir, "inventory.json"),
      };
      const url = `${server.url}/image.qcow2?${c.query}`;
      const requestFile = join(runDir, "request.json");
      writeFileSync(requestFile, JSON.stringify(requestBody(url)));
      const reportUrl = `${server.url}/upload/record.tar?X-Amz-Signature=${REPORT_SIG}`;
      // not spawnSync: the server answering the install runs in this process
      const run = (args: string[]) => byolRun(byol, args, env);
      const install = await run([
        "install",
        "--request",
        requestFile,
        "--json",
        "--no-reboot",
        "--report-url",
        reportUrl,
      ]);
      assert.equal(install.status, 3, install.stderr);
      assert.ok(
        server.seen.some((s) => s.method === "PUT"),
        "the record was uploaded",
      );
      const plan = await run(["plan", "--request", requestFile, "--inventory", join(dir, "inventory.json")]);
      const planJson = await run([
        "plan",
        "--request",
        requestFile,
        "--inventory",
        join(dir, "inventory.json"),
        "--json",
      ]);
      assert.equal(plan.status, 0, plan.stderr);
      const status = await run(["status", "--json", "--run-dir", runDir]);
      const channels: Record<string, string> = {
        "install stdout": install.stdout,
        "install stderr": install.stderr,
        "plan stdout": plan.stdout,
        "plan --json": planJson.stdout,
        "status --json": status.stdout,
      };
      for (const file of filesUnder(runDir)) {
        if (file !== requestFile) channels[file] = readFileSync(file, "latin1");
      }
      assert.ok(
        Object.keys(channels).some((k) => k.endsWith(".tar")),
        "the run record is read",
      );
      assert.ok(
        Object.keys(channels).some((k) => k.endsWith("status.json")),
        "status.json is read",
      );
      for (const [channel, text] of Object.entries(channels)) {
        for (const secret of [...c.secrets, REPORT_SIG]) {
          assert.ok(!text.includes(secret), `${channel} shows ${secret.slice(0, 12)}…`);
        }
      }
    });
  }
});

async function byolRun(byol: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [byol, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { status, stdout, stderr };
}

function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}
