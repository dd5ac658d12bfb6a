// Reading a built image's partition table from `sgdisk -p` text, and what each image kind must have. No I/O.

/** One row of `sgdisk -p`. */
export interface GptPartition {
  number: number;
  startSector: number;
  endSector: number;
  /** sgdisk's 4-hex-digit type code, upper case: 8300, EF00, EF02. */
  code: string;
  name: string;
}

// The partition rows of `sgdisk -p` output (sectors are 512 bytes in the images built here).
export function parseSgdiskPrint(text: string): GptPartition[] {
  const rows: GptPartition[] = [];
  let inTable = false;
  for (const line of text.split("\n")) {
    if (/^Number\s+Start/.test(line)) {
      inTable = true;
      continue;
    }
    if (!inTable) continue;
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+[\d.]+\s+\S+\s+([0-9A-Fa-f]{4})\s*(.*)$/.exec(line);
    if (m === null) continue;
    rows.push({
      number: Number(m[1]),
      startSector: Number(m[2]),
      endSector: Number(m[3]),
      code: m[4]!.toUpperCase(),
      name: m[5]!.trim(),
    });
  }
  return rows;
}

// Problems with a BYOLinux image's table: OVH requires exactly one partition (a Linux one, here).
export function byolinuxLayoutProblems(parts: readonly GptPartition[]): string[] {
  if (parts.length !== 1) return [`expected exactly one partition, found ${parts.length}`];
  const p = parts[0]!;
  const problems: string[] = [];
  if (p.code !== "8300") problems.push(`partition 1 has type ${p.code}, expected 8300`);
  if (p.startSector !== 2048) problems.push(`partition 1 starts at sector ${p.startSector}, expected 2048 (1 MiB)`);
  return problems;
}

// Problems with the BYOI image's table: ESP p1, root p2 last on the disk (growpart), BIOS boot p3.
export function byoiLayoutProblems(parts: readonly GptPartition[]): string[] {
  const want: Record<number, string> = { 1: "EF00", 2: "8300", 3: "EF02" };
  const problems: string[] = [];
  if (parts.length !== 3) problems.push(`expected 3 partitions, found ${parts.length}`);
  for (const [n, code] of Object.entries(want)) {
    const p = parts.find((q) => q.number === Number(n));
    if (p === undefined) problems.push(`partition ${n} is missing`);
    else if (p.code !== code) problems.push(`partition ${n} has type ${p.code}, expected ${code}`);
  }
  const root = parts.find((p) => p.number === 2);
  if (root !== undefined && parts.some((p) => p.endSector > root.endSector)) {
    problems.push("the root partition (2) is not the last one on the disk, so growpart cannot grow it");
  }
  return problems;
}
