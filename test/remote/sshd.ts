// A real OpenSSH server of the test's own on 127.0.0.1 and a free high port: its own host key,
// authorized_keys and config in a temporary directory, and the client side (key, known_hosts) to
// match. A second port serves sessions whose `id -u` says 1000, to play a non-root login.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SSHD = "/usr/sbin/sshd";
export const sshdSkip =
  process.getuid?.() !== 0
    ? "needs root (sshd)"
    : existsSync(SSHD)
      ? false
      : "needs openssh-server (scripts/host-packages.txt)";

export interface TestSshd {
  dir: string;
  port: number;
  nonRootPort: number;
  key: string; // the client's private key
  knownHosts: string; // the right host key for both ports
  // byol remote's flags for this server, known_hosts and key
  flags(port?: number, knownHosts?: string): string[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

async function listening(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on ${port}`);
}

function keygen(file: string): string {
  spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "byol-test", "-f", file], { stdio: "ignore" });
  return readFileSync(`${file}.pub`, "utf8").trim();
}

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), "byol-sshd-"));
  chmodSync(dir, 0o700);
  const hostPub = keygen(join(dir, "host_key"));
  const clientPub = keygen(join(dir, "client_key"));
  writeFileSync(join(dir, "authorized_keys"), `${clientPub}\n`, { mode: 0o600 });
  const [port, nonRootPort] = [await freePort(), await freePort()];
  const knownHosts = join(dir, "known_hosts");
  const [type, blob] = hostPub.split(" ");
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${type} ${blob}\n[127.0.0.1]:${nonRootPort} ${type} ${blob}\n`);
  // Sessions on the second port find an `id` that answers 1000 first in PATH.
  mkdirSync(join(dir, "nonroot-bin"));
  writeFileSync(join(dir, "nonroot-bin/id"), "#!/bin/sh\necho 1000\n", { mode: 0o755 });
  writeFileSync(
    join(dir, "nonroot.sh"),
    `#!/bin/sh\nPATH=${dir}/nonroot-bin:$PATH\nexport PATH\nexec /bin/sh -c "$SSH_ORIGINAL_COMMAND"\n`,
    { mode: 0o755 },
  );
  const config = join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      `Port ${nonRootPort}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${dir}/host_key`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      `PidFile ${dir}/sshd.pid`,
      "MaxSessions 20",
      `Match LocalPort ${nonRootPort}`,
      `  ForceCommand ${dir}/nonroot.sh`,
      "",
    ].join("\n"),
  );
  mkdirSync("/run/sshd", { recursive: true }); // its privilege separation directory
  const child: ChildProcess = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (c: Buffer) => {
    log += c.toString();
  });
  try {
    await listening(port, Date.now() + 10_000);
  } catch (error) {
    child.kill();
    throw new Error(`${(error as Error).message}: ${log}`);
  }
  const key = join(dir, "client_key");
  return {
    dir,
    port,
    nonRootPort,
    key,
    knownHosts,
    flags: (p = port, kh = knownHosts) => [
      "--identity",
      key,
      "--port",
      String(p),
      "--ssh-option",
      `UserKnownHostsFile=${kh}`,
      "--ssh-option",
      "GlobalKnownHostsFile=/dev/null",
    ],
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
