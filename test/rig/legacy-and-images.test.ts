// The rig plays every scenario through the agent's own request reading: a scenario in the legacy install/start
// form gets the rig's secrets in its own form (not a customizations object, which that form refuses), and a
// scenario's image may be the path of any qcow2 or raw file.
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseRequest } from "../../agent/request/index.ts";
import { parseScenario, substitute } from "../../scripts/rig/scenario.ts";
import { formatOfHead, isImagePath, scenarioImage } from "../../scripts/rig/scenario-image.ts";
import {
  RIG_AUTHORIZATION,
  RIG_URL_PASSWORD,
  RIG_USER_DATA_MARKER,
  secretsOf,
  withRigSecrets,
} from "../../scripts/rig/secrets.ts";

const scenariosDir = join(import.meta.dirname, "..", "..", "fixtures", "scenarios");
const values = {
  IMAGE_URL: "http://10.0.2.100/byolinux-debian12.qcow2",
  IMAGE_SHA512: "a".repeat(128),
  IMAGE_SHA256: "b".repeat(64),
  SSH_PUBKEY: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl rig",
};

describe("rig requests in either form", () => {
  it("every fixture scenario, with the rig's secrets in, is a valid request carrying all three secrets", async () => {
    const files = (await readdir(scenariosDir)).filter((f) => f.endsWith(".json"));
    assert.ok(
      files.some((f) => f.startsWith("legacy")),
      "a legacy-form scenario exists",
    );
    for (const file of files) {
      const scenario = parseScenario(await readFile(join(scenariosDir, file), "utf8"), file);
      const request = withRigSecrets(substitute(scenario.request, values) as Record<string, unknown>);
      const parsed = parseRequest(request);
      assert.ok(parsed.ok, `${file}: ${parsed.ok ? "" : parsed.problems.join("; ")}`);
      const r = parsed.request;
      assert.equal(r.image.httpHeaders["Authorization"], RIG_AUTHORIZATION, file);
      assert.equal(decodeURIComponent(new URL(r.image.url).password), RIG_URL_PASSWORD, file);
      const secrets = secretsOf(request);
      assert.ok(secrets.includes(RIG_AUTHORIZATION), `${file}: the header is a secret to scan for`);
      assert.ok(secrets.includes(RIG_URL_PASSWORD), `${file}: the URL password is a secret to scan for`);
    }
  });

  it("legacy form: secrets go into userMetadata; a request's own Authorization pair gets the rig's value", () => {
    const legacy = {
      templateName: "byolinux_64",
      userMetadata: [
        { key: "imageURL", value: values.IMAGE_URL },
        { key: "httpHeaders0Key", value: "X-Trace" },
        { key: "httpHeaders0Value", value: "t" },
      ],
    };
    const out = withRigSecrets(legacy);
    assert.equal(out["customizations"], undefined);
    const list = out["userMetadata"] as { key: string; value: string }[];
    assert.deepEqual(
      list.filter((e) => e.key.startsWith("httpHeaders1")).map((e) => e.value),
      ["Authorization", RIG_AUTHORIZATION],
    );
    assert.ok(list.find((e) => e.key === "configDriveUserData")?.value.includes(RIG_USER_DATA_MARKER));
    assert.ok(secretsOf(out).includes(RIG_USER_DATA_MARKER));

    const own = withRigSecrets({
      templateName: "byolinux_64",
      userMetadata: [
        { key: "imageURL", value: values.IMAGE_URL },
        { key: "httpHeaders0Key", value: "authorization" },
        { key: "httpHeaders0Value", value: "Bearer other" },
      ],
    });
    const ownList = own["userMetadata"] as { key: string; value: string }[];
    assert.equal(ownList.filter((e) => e.key.startsWith("httpHeaders")).length, 2);
    assert.equal(ownList.find((e) => e.key === "httpHeaders0Value")?.value, RIG_AUTHORIZATION);
  });
});

describe("a scenario's image", () => {
  it("a name is a fixture; a path or an image file name is a file", () => {
    assert.equal(isImagePath("byolinux-debian12"), false);
    assert.equal(isImagePath("/srv/images/customer.qcow2"), true);
    assert.equal(isImagePath("./disk.img"), true);
    assert.equal(isImagePath("customer.RAW"), true);
  });

  it("the format comes from the content: qcow2 magic or raw", () => {
    assert.equal(formatOfHead(Buffer.from([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3])), "qcow2");
    assert.equal(formatOfHead(Buffer.alloc(8)), "raw");
  });

  it("a file is hashed once and its sums kept until it changes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rig-image-"));
    const saved = process.env["BYOL_CACHE"];
    process.env["BYOL_CACHE"] = join(dir, "cache");
    try {
      const file = join(dir, "my image.qcow2");
      await writeFile(file, Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb]), Buffer.alloc(1000, 7)]));
      const logs: string[] = [];
      const first = await scenarioImage(file, (l) => logs.push(l));
      assert.equal(first.format, "qcow2");
      assert.equal(first.fileName, "my_image.qcow2");
      assert.equal(first.sizeBytes, 1004);
      assert.match(first.sha512, /^[0-9a-f]{128}$/);
      const again = await scenarioImage(file, (l) => logs.push(l));
      assert.equal(again.sha256, first.sha256);
      assert.equal(logs.length, 1, "hashed once");
      await writeFile(file, Buffer.alloc(1004, 1));
      await utimes(file, new Date(), new Date(Date.now() + 5000));
      const changed = await scenarioImage(file, (l) => logs.push(l));
      assert.notEqual(changed.sha256, first.sha256);
      assert.equal(changed.format, "raw");
      await assert.rejects(
        scenarioImage(join(dir, "missing.raw"), () => {}),
        /no such file/,
      );
    } finally {
      if (saved === undefined) delete process.env["BYOL_CACHE"];
      else process.env["BYOL_CACHE"] = saved;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
