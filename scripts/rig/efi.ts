// The UEFI boot entries as `efibootmgr -v` prints them, and the rig's judgement of them: the firmware must
// have booted (BootCurrent) through an entry that names an ESP on a target disk and the installed loader,
// not through a firmware-made fallback entry.
import { allNodes, type BlockNode } from "./parsers.ts";

export const ESP_TYPE = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";

export interface BootEntry {
  num: string; // "0004"
  active: boolean;
  label: string;
  /** From HD(n,GPT,<partuuid>,...), lower-case. */
  partuuid?: string;
  /** From File(...). */
  file?: string;
  path: string;
}

export interface BootVariables {
  current?: string;
  order: string[];
  entries: BootEntry[];
}

export function parseEfibootmgr(text: string): BootVariables {
  const vars: BootVariables = { order: [], entries: [] };
  for (const line of text.split("\n")) {
    const current = /^BootCurrent:\s*([0-9A-Fa-f]{4})/.exec(line);
    if (current !== null) vars.current = current[1]!.toUpperCase();
    const order = /^BootOrder:\s*(.*)$/.exec(line);
    if (order !== null)
      vars.order = order[1]!
        .split(",")
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean);
    const entry = /^Boot([0-9A-Fa-f]{4})(\*?)\s+(.*)$/.exec(line);
    if (entry === null) continue;
    const rest = entry[3]!;
    const tab = rest.indexOf("\t");
    const hd = rest.search(/(HD|PciRoot|FvVol|VenHw|MemoryMapped|Fv)\(/);
    const split = tab >= 0 ? tab : hd >= 0 ? hd : rest.length;
    const path = rest.slice(split).trim();
    const e: BootEntry = {
      num: entry[1]!.toUpperCase(),
      active: entry[2] === "*",
      label: rest.slice(0, split).trim(),
      path,
    };
    const part = /HD\(\d+,GPT,([0-9A-Fa-f-]{36})/.exec(path);
    if (part !== null) e.partuuid = part[1]!.toLowerCase();
    const file = /File\(([^)]*)\)/.exec(path);
    if (file !== null) e.file = file[1]!;
    vars.entries.push(e);
  }
  return vars;
}

const FALLBACK = "\\efi\\boot\\bootx64.efi";
const norm = (p: string) => p.replaceAll("/", "\\").toLowerCase();

export interface EfiVerdict {
  ok: boolean;
  detail: string;
}

// Judges the entries against the ESPs found in the installed system's lsblk tree. With a loader path
// (BYOI's efiBootloaderPath) the booted entry must name exactly that file.
export function judgeBootEntries(vars: BootVariables, tree: readonly BlockNode[], loader?: string): EfiVerdict {
  const esps = new Map<string, string>();
  for (const n of allNodes(tree)) {
    if (n.type === "part" && n.parttype?.toLowerCase() === ESP_TYPE && n.partuuid)
      esps.set(n.partuuid.toLowerCase(), n.name);
  }
  if (esps.size === 0) return { ok: false, detail: "no ESP on any disk" };
  const onTarget = vars.entries.filter((e) => e.partuuid !== undefined && esps.has(e.partuuid) && e.file !== undefined);
  const show = (e: BootEntry) => `Boot${e.num} '${e.label}' ${esps.get(e.partuuid ?? "") ?? "?"}:${e.file ?? "?"}`;
  if (onTarget.length === 0) {
    return { ok: false, detail: `no boot entry names an ESP of the disks (${[...esps.values()].join(", ")})` };
  }
  const listed = `entries on the disks' ESPs: ${onTarget.map(show).join("; ")}`;
  const booted = vars.entries.find((e) => e.num === vars.current);
  if (booted === undefined) return { ok: false, detail: `no BootCurrent; ${listed}` };
  if (!onTarget.includes(booted)) {
    return {
      ok: false,
      detail: `booted through Boot${booted.num} '${booted.label}' ${booted.path}, not an entry byol wrote; ${listed}`,
    };
  }
  const file = norm(booted.file ?? "");
  if (loader !== undefined && file !== norm(loader)) {
    return { ok: false, detail: `booted ${booted.file}, expected the request's ${loader}; ${listed}` };
  }
  if (loader === undefined && file === FALLBACK) {
    return { ok: false, detail: `booted the removable fallback path ${booted.file}; ${listed}` };
  }
  return { ok: true, detail: `booted through ${show(booted)}; ${listed}` };
}
