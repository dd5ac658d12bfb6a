// Parses what `efibootmgr` and `efibootmgr -v` print. Pure: captured text in, data out.
//
// Lines look like `Boot0003* UEFI PXEv4 (MAC:525400123456)` (the `*` means active), and with
// -v a tab then the device path, e.g. `HD(1,GPT,<partuuid>,0x800,0x100000)/File(\EFI\debian\shimx64.efi)`
// (efibootmgr 17) or `HD(...)/\EFI\debian\shimx64.efi` (18), sometimes followed by optional data
// that some firmware fills with UTF-16 or binary. That part, and NULs left by a UTF-16 label,
// are dropped instead of failing: an unrelated vendor entry must never stop an install.

export interface BootEntry {
  num: string; // four upper-case hex digits: "0003"
  label: string;
  active: boolean;
  path?: string; // the device path text (with -v)
  partuuid?: string; // from HD(n,GPT,<partuuid>,...), lower case
  loader?: string; // from File(...) or the trailing \EFI\... of the path
}

export interface BootMgrState {
  bootCurrent?: string;
  bootNext?: string;
  bootOrder: string[];
  entries: BootEntry[];
}

const ENTRY = /^Boot([0-9A-Fa-f]{4})(\*?)\s(.*)$/;

export function parseBootMgr(text: string): BootMgrState {
  const state: BootMgrState = { bootOrder: [], entries: [] };
  for (const raw of clean(text).split("\n")) {
    const line = raw.replace(/\s+$/, "");
    const header = /^(BootCurrent|BootNext|BootOrder):\s*(.*)$/.exec(line);
    if (header !== null) {
      const value = (header[2] ?? "").trim().toUpperCase();
      if (header[1] === "BootOrder") state.bootOrder = value === "" ? [] : value.split(",").map((n) => n.trim());
      else if (header[1] === "BootCurrent") state.bootCurrent = value;
      else state.bootNext = value;
      continue;
    }
    const m = ENTRY.exec(line);
    if (m !== null) state.entries.push(entry(m[1] ?? "", m[2] === "*", m[3] ?? ""));
  }
  return state;
}

// UTF-16 output read as UTF-8 shows up as NULs between characters; undecodable bytes as U+FFFD.
function clean(text: string): string {
  return keep(text.replace(/\r\n?/g, "\n"), (code) => code !== 0 && code !== 0xfeff && code !== 0xfffd);
}

function entry(num: string, active: boolean, rest: string): BootEntry {
  const tab = rest.indexOf("\t");
  const label = (tab === -1 ? rest : rest.slice(0, tab)).trim();
  const e: BootEntry = { num: num.toUpperCase(), label: printable(label), active };
  if (tab === -1) return e;
  const path = printable(rest.slice(tab + 1)).trim();
  if (path === "") return e;
  e.path = path;
  const hd = /HD\(\d+,GPT,([0-9A-Fa-f-]{36})/.exec(path);
  if (hd !== null) e.partuuid = (hd[1] ?? "").toLowerCase();
  const loader = /File\((\\[^)]*)\)/.exec(path) ?? /\)\/(\\[^\s/]*\.efi)/i.exec(path);
  if (loader !== null) e.loader = loader[1] ?? "";
  return e;
}

// Control characters (other than tab) are never part of a label or a path.
function printable(text: string): string {
  return keep(text, (code) => code === 9 || (code >= 32 && code !== 127));
}

function keep(text: string, ok: (code: number) => boolean): string {
  let out = "";
  for (const c of text) if (ok(c.charCodeAt(0))) out += c;
  return out;
}
