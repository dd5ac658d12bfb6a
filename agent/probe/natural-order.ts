// Disk names in the order a person expects: sda < sdb < sdz < sdaa, nvme0n1 < nvme1n1 < nvme10n1.
// Pure: the planner uses it through groups.ts.

// The kernel names sd/vd/hd/xvd disks with a bijective base-26 suffix (a..z, aa..zz, aaa..);
// turning it into a number makes sdaa (27) sort after sdz (26).
function lettersToNumber(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 96);
  return n;
}

// Splits a name into text and number tokens, with the letter suffix of sdX-style names made numeric.
function tokens(name: string): (string | number)[] {
  const normalised = name.replace(/^(x?[shv]d)([a-z]+)/, (_m, family: string, letters: string) => {
    return `${family}${lettersToNumber(letters)}`;
  });
  return (normalised.match(/\d+|\D+/g) ?? []).map((t) => (/^\d/.test(t) ? Number(t) : t));
}

// Comparator for Array.prototype.sort over device names (with or without /dev/).
export function compareDiskNames(a: string, b: string): number {
  const ta = tokens(a);
  const tb = tokens(b);
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  if (ta.length !== tb.length) return ta.length - tb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
