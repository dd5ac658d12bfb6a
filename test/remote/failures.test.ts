// ssh's own failures (exit 255) read from its stderr into the controller's exit codes; a remote
// command's exit code is never mistaken for one.

import assert from "node:assert/strict";
import { test } from "node:test";
import { REMOTE_EXIT } from "../../agent/errors.ts";
import { sshFailure } from "../../agent/remote/failures.ts";

const where = "root@192.0.2.10";
const CHANGED = `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Host key for 192.0.2.10 has changed and you have requested strict checking.
Host key verification failed.
`;

const cases: [string, string, number][] = [
  ["ssh: connect to host 192.0.2.10 port 22: Connection refused\r\n", "unreachable", REMOTE_EXIT.unreachable],
  ["ssh: Could not resolve hostname nowhere.invalid: Name or service not known\n", "unreachable", 10],
  ["ssh: connect to host 192.0.2.10 port 22: Connection timed out\n", "unreachable", 10],
  ["client_loop: send disconnect: Broken pipe\n", "unreachable", 10],
  ["Connection to 192.0.2.10 closed by remote host.\n", "unreachable", 10],
  ["", "unreachable", 10],
  [CHANGED, "hostKey", REMOTE_EXIT.hostKey],
  [
    "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed.\n",
    "hostKey",
    11,
  ],
  ["root@192.0.2.10: Permission denied (publickey).\n", "authentication", REMOTE_EXIT.authentication],
];

test("each ssh failure gets its kind, its exit code and one line naming the host", () => {
  for (const [stderr, kind, code] of cases) {
    const e = sshFailure(255, stderr, where);
    assert.ok(e !== undefined, stderr);
    assert.equal(e.kind, kind, stderr);
    assert.equal(e.exitCode, code, stderr);
    assert.ok(e.message.includes(where), e.message);
    assert.ok(!e.message.includes("\n"), "one line");
  }
});

test("a changed host key is named by its verdict line, not the banner", () => {
  assert.match(sshFailure(255, CHANGED, where)?.message ?? "", /\(Host key for 192.0.2.10 has changed/);
});

test("exit codes other than 255 are the remote command's", () => {
  for (const code of [0, 1, 2, 3, 4, 130]) assert.equal(sshFailure(code, "Connection refused", where), undefined);
});

test("the controller's codes are distinct and clear of the install's", () => {
  const codes = Object.values(REMOTE_EXIT);
  assert.equal(new Set(codes).size, codes.length);
  for (const reserved of [0, 1, 2, 3, 4, 130, 255]) assert.ok(!codes.includes(reserved as never));
});
