import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { within } from "../../../scripts/vm/within.ts";

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("within", () => {
  it("gives the promise's value and leaves no timer behind", async () => {
    const before = timers();
    assert.equal(await within(sleep(10, "done"), 600_000), "done");
    assert.equal(timers(), before, "the 10-minute deadline timer must be cleared");
  });

  it("gives 'timeout' when the promise is slower than the deadline", async () => {
    const never = new Promise<string>(() => {});
    assert.equal(await within(never, 20), "timeout");
  });

  it("passes a rejection through", async () => {
    await assert.rejects(within(Promise.reject(new Error("boom")), 600_000), /boom/);
  });
});
