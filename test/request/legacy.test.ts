// The legacy install/start form: userMetadata pairs, details, and legacy field names in messages.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accepted, problems } from "./fixture.ts";

const URL_ENTRY = { key: "imageURL", value: "http://127.0.0.1:8080/images/debian12.qcow2" };
const legacy = (entries: { key: string; value: unknown }[], top: Record<string, unknown> = {}) => ({
  templateName: "byolinux_64",
  userMetadata: [URL_ENTRY, ...entries],
  ...top,
});

describe("legacy install/start form", () => {
  it("pairs httpHeadersNKey with httpHeadersNValue and parses configDriveMetadata", () => {
    const request = accepted(
      legacy([
        { key: "httpHeaders1Value", value: "t0ken-value" },
        { key: "httpHeaders0Key", value: "Authorization" },
        { key: "httpHeaders0Value", value: "Basic Zm9vOmJhcg==" },
        { key: "httpHeaders1Key", value: "X-Token" },
        { key: "configDriveMetadata", value: '{"role":"db","zone":"rbx"}' },
        { key: "sshKey", value: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA me@test" },
      ]),
    );
    assert.deepEqual(request.image.httpHeaders, { Authorization: "Basic Zm9vOmJhcg==", "X-Token": "t0ken-value" });
    assert.deepEqual(request.configDriveMetadata, { role: "db", zone: "rbx" });
    assert.equal(request.sshKey, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA me@test");
  });

  it("maps details.diskGroupId and softRaidDevices onto the storage group", () => {
    const request = accepted(legacy([], { details: { customHostname: "h1", diskGroupId: 2, softRaidDevices: 2 } }));
    assert.equal(request.hostname, "h1");
    assert.equal(request.storage[0]?.diskGroupId, 2);
    assert.equal(request.storage[0]?.disks, 2);
    assert.equal(request.storage[0]?.defaultLayout, true);
  });

  it("reports legacy problems with legacy field names, all of them", () => {
    const input = legacy(
      [
        { key: "imageURL", value: "http://127.0.0.1/other.qcow2" },
        { key: "imageType", value: 5 },
        { key: "configDriveMetadata", value: "{not json" },
        { key: "imageCheckSum", value: SHA1 },
      ],
      { templateName: "windows", details: { customHostname: "bad host", language: "en" }, extra: true },
    );
    assert.deepEqual(problems(input), [
      'request: expected only the keys templateName, details, partitionSchemeName, userMetadata, received unknown key "extra"',
      'userMetadata[1].key: expected each key once, received "imageURL" again (first at userMetadata[0])',
      'userMetadata[2]: expected {"key": string, "value": string}, received {"key": string, "value": number}',
      "userMetadata.configDriveMetadata: expected a JSON object of string values, received a string of 9 characters",
      'details: expected only the keys customHostname, diskGroupId, softRaidDevices, received unknown key "language"',
      'templateName: expected byolinux_64 or byoi_64, received "windows"',
      'details.customHostname: expected a host name (RFC 1123: letters, digits and hyphens, labels of 1-63 characters separated by dots, 253 characters at most), received "bad host"',
      "Please provide checkSum AND checkSumType or none of them",
    ]);
  });

  it("refuses a userMetadata that is not a list", () => {
    assert.deepEqual(problems({ templateName: "byolinux_64", userMetadata: { imageURL: "x" } }), [
      "userMetadata: expected a list of {key, value}, received an object",
      "userMetadata.imageURL: expected an http:// or https:// URL, received nothing",
    ]);
  });
});

const SHA1 = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3";
