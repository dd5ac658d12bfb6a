import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { shellJoin, shellQuote } from "../../agent/plan/quote.ts";

describe("shellQuote", () => {
  it("leaves plain words alone", () => {
    assert.equal(shellQuote("/dev/sda"), "/dev/sda");
    assert.equal(shellQuote("1:2048:1050623"), "1:2048:1050623");
    assert.equal(shellQuote("--metadata=1.0"), "--metadata=1.0");
    assert.equal(shellQuote("100%FREE"), "100%FREE");
  });

  it("single-quotes everything a shell would split or expand", () => {
    assert.equal(shellQuote(""), "''");
    assert.equal(shellQuote("a b"), "'a b'");
    assert.equal(shellQuote("$HOME"), "'$HOME'");
    assert.equal(shellQuote("\\efi\\debian\\grubx64.efi"), "'\\efi\\debian\\grubx64.efi'");
    assert.equal(shellQuote("it's"), "'it'\\''s'");
    assert.equal(shellQuote("*"), "'*'");
  });

  it("joins an argv", () => {
    assert.equal(shellJoin(["mkfs.vfat", "-n", "config 2", "/dev/sda5"]), "mkfs.vfat -n 'config 2' /dev/sda5");
  });
});
