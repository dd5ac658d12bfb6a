// The kernel command line of the rescue system. The harness rescue's init reads the byol.* parameters; the stock
// one boots systemd with a real server's serial console (customer scripts parse console=) and reads only the key.

export interface CmdlineOptions {
  publicKey: string;
  /** 9p tag and where the guest mounts it. */
  mounts: readonly { tag: string; guestPath: string }[];
  hostname?: string;
  /** Default harness. */
  flavour?: "harness" | "stock";
}

export function rescueCmdline(opts: CmdlineOptions): string {
  const key = `byol.sshkey=${Buffer.from(`${opts.publicKey}\n`).toString("base64")}`;
  if (opts.flavour === "stock") {
    if (opts.mounts.length > 0) throw new Error("cmdline: the stock rescue mounts no 9p shares");
    return ["console=ttyS0,115200n8", "panic=-1", "root=/dev/vda", "rw", "init=/lib/systemd/systemd", key].join(" ");
  }
  const words = ["console=ttyS0", "panic=-1", "net.ifnames=0", "root=/dev/vda", "rw", "init=/sbin/byol-init"];
  words.push(key);
  for (const m of opts.mounts) {
    if (!/^\/[A-Za-z0-9_./-]*$/.test(m.guestPath)) throw new Error(`cmdline: bad guest path ${m.guestPath}`);
  }
  if (opts.mounts.length) words.push(`byol.shares=${opts.mounts.map((m) => `${m.tag}:${m.guestPath}`).join(",")}`);
  if (opts.hostname) words.push(`byol.hostname=${opts.hostname}`);
  return words.join(" ");
}
