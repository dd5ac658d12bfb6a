// Does the image's data fit the target filesystems? The image is one filesystem; the target root
// may have others mounted below it (/boot, /var...). Each target receives the image's subtree at
// its path, less the subtrees of targets nested in it. Pure.

export interface TargetFs {
  path: string; // relative to the target root: "" for the root, "boot", "boot/efi"
  device: string; // what is mounted there, named in the message
  availableBytes: number;
}

// usedBytes: the image filesystem's used bytes; subtreeBytes: du of the image at each non-root target path.
export function placement(usedBytes: number, targets: readonly TargetFs[], subtreeBytes: ReadonlyMap<string, number>) {
  const inside = (child: string, parent: string) => parent === "" || child.startsWith(`${parent}/`);
  return targets.map((t) => {
    const own = t.path === "" ? usedBytes : (subtreeBytes.get(t.path) ?? 0);
    // subtract the targets directly nested in this one (their own nested ones are already inside them)
    const nested = targets.filter(
      (c) =>
        c.path !== t.path &&
        inside(c.path, t.path) &&
        !targets.some(
          (m) => m.path !== c.path && m.path !== t.path && inside(m.path, t.path) && inside(c.path, m.path),
        ),
    );
    const bytes = Math.max(0, own - nested.reduce((sum, c) => sum + (subtreeBytes.get(c.path) ?? 0), 0));
    return { ...t, bytes };
  });
}

export function sizeRefusal(placed: ReturnType<typeof placement>): string | undefined {
  const over = placed.find((p) => p.bytes > p.availableBytes);
  if (over === undefined) return undefined;
  return `image provided has a size of ${over.bytes} bytes which is larger than ${over.device} of ${over.availableBytes} bytes`;
}
