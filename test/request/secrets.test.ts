// Problems never show a secret: header values, URL passwords, user data.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { byolinux, problems } from "./fixture.ts";

const HEADER = "Basic c2VjcmV0LXVzZXI6c2VjcmV0LXBhc3M=";
const PASSWORD = "hunter2-password";
const USER_DATA = "#!/bin/sh\necho top-secret-user-data";

describe("secrets in problems", () => {
  it("masks the URL password and shows no header value or user data", () => {
    const input = byolinux(
      {
        imageURL: `ftp://admin:${PASSWORD}@127.0.0.1/image.qcow2`,
        httpHeaders: { Authorization: `${HEADER}\r\nX-Injected: 1`, "Bad Header": HEADER, Number: 5 },
        configDriveUserData: 42,
        configDriveMetadata: { token: 7 },
      },
      { extra: USER_DATA },
    );
    const text = problems(input).join("\n");
    assert.ok(!text.includes(PASSWORD), text);
    assert.ok(!text.includes("c2VjcmV0"), text);
    assert.ok(!text.includes("top-secret"), text);
    assert.match(
      text,
      /customizations\.imageURL: expected an http:\/\/ or https:\/\/ URL, received "ftp:\/\/admin:\*\*\*@127\.0\.0\.1/,
    );
    assert.match(
      text,
      /customizations\.httpHeaders\.Authorization: expected a one-line header value, received a value with a line break/,
    );
    assert.match(text, /customizations\.configDriveUserData: expected a string \(base64 or plain text\), received 42/);
  });

  it("does not quote an unparsable legacy configDriveMetadata", () => {
    const input = {
      templateName: "byolinux_64",
      userMetadata: [
        { key: "imageURL", value: "http://127.0.0.1/x.qcow2" },
        { key: "configDriveMetadata", value: `{"password": "${PASSWORD}"` },
      ],
    };
    assert.ok(!problems(input).join("\n").includes(PASSWORD));
  });
});
