// The kernel command line of the rescue system; its init reads the byol.* parameters.

export interface CmdlineOptions {
  publicKey: string;
  /** 9p tag and where the guest mounts it. */
  mounts: readonly { tag: string; guestPath: string }[];
  hostname?: string;
}

export function rescueCmdline(opts: CmdlineOptions): string {
  const words = ["console=ttyS0", "panic=-1", "net.ifnames=0", "root=/dev/vda", "rw", "init=/sbin/byol-init"];
  words.push(`byol.sshkey=${Buffer.from(`${opts.publicKey}\n`).toString("base64")}`);
  for (const m of opts.mounts) {
    if (!/^\/[A-Za-z0-9_./-]*$/.test(m.guestPath)) throw new Error(`cmdline: bad guest path ${m.guestPath}`);
  }
  if (opts.mounts.length) words.push(`byol.shares=${opts.mounts.map((m) => `${m.tag}:${m.guestPath}`).join(",")}`);
  if (opts.hostname) words.push(`byol.hostname=${opts.hostname}`);
  return words.join(" ");
}
