// configDriveUserData: base64 is decoded, plain text is kept, and the guess errs towards plain.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeBase64Text, decodeUserData } from "../../agent/request/user-data.ts";
import { loadFixture } from "./fixture.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe("decodeUserData", () => {
  it("decodes base64 of a cloud-config (seed 000 and 002)", () => {
    const seed = (loadFixture("ovh-byoi.json") as { customizations: { configDriveUserData: string } }).customizations;
    const text = decodeUserData(seed.configDriveUserData);
    assert.ok(text.startsWith("#cloud-config\nssh_authorized_keys:\n  - ssh-rsa AAAAB8djYiw== myself@mydomain.net\n"));
    assert.ok(text.endsWith("final_message: The system is finally up, after $UPTIME seconds\n"));
  });

  it("keeps a plain shell script as it is (seed 004)", () => {
    const script = '#!/bin/bash\necho "Hi, sounds like BYOLinux as ostemplate is a success!" >/etc/motd';
    assert.equal(decodeUserData(script), script);
    assert.equal(decodeUserData("#!/bin/bash\necho hello"), "#!/bin/bash\necho hello");
  });

  it("decodes UTF-8 text and base64 wrapped at 76 columns", () => {
    const text = `#cloud-config\nfinal_message: "prêt, ça marche"\n${"runcmd: [true]\n".repeat(10)}`;
    const wrapped = b64(text).replace(/(.{76})/g, "$1\n");
    assert.ok(wrapped.includes("\n"));
    assert.equal(decodeUserData(wrapped), text);
  });

  it("keeps plain text that happens to use only base64 characters", () => {
    assert.equal(decodeUserData("test"), "test"); // decodes to invalid UTF-8
    assert.equal(decodeUserData("ABCD"), "ABCD"); // decodes to a NUL byte
    assert.equal(decodeUserData("abc"), "abc"); // length not a multiple of 4
  });

  it("refuses base64 of binary data and non-canonical alphabets", () => {
    assert.equal(decodeBase64Text(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1]).toString("base64")), undefined);
    assert.equal(decodeBase64Text(Buffer.from([0xff, 0xfe, 0xfd]).toString("base64")), undefined);
    assert.equal(decodeBase64Text(b64("hello world").replace(/=/g, "")), undefined); // unpadded
    assert.equal(decodeBase64Text("aGVsbG8_d29ybGQ="), undefined); // base64url alphabet
    assert.equal(decodeBase64Text(""), undefined);
  });

  it("accepts tabs and CRLF in decoded text", () => {
    const text = "#!/bin/sh\r\n\techo ok\r\n";
    assert.equal(decodeBase64Text(b64(text)), text);
  });
});
