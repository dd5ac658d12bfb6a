// Tolerant readers of the raw input. Cross-field checks run even when zod found
// problems elsewhere, so they read only the values that have the right type.

export type Raw = Record<string, unknown>;

// A plain object (not an array, not null).
export function isRecord(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function rec(value: unknown, key: string): Raw | undefined {
  if (!isRecord(value)) return undefined;
  const v = value[key];
  return isRecord(v) ? v : undefined;
}

export function str(value: unknown, key: string): string | undefined {
  if (!isRecord(value)) return undefined;
  const v = value[key];
  return typeof v === "string" ? v : undefined;
}

export function int(value: unknown, key: string): number | undefined {
  if (!isRecord(value)) return undefined;
  const v = value[key];
  return Number.isInteger(v) ? (v as number) : undefined;
}

export function list(value: unknown, key: string): unknown[] {
  if (!isRecord(value)) return [];
  const v = value[key];
  return Array.isArray(v) ? v : [];
}

// Copies objects without null-valued keys (OVH's API writes null for "not set"),
// and without "" in `blankKeys` objects (the control panel sends "" for empty fields).
export function pruneAbsent(value: unknown, blankKeys: ReadonlySet<string>, key = ""): unknown {
  if (Array.isArray(value)) return value.map((item) => pruneAbsent(item, blankKeys));
  if (!isRecord(value)) return value;
  const out: Raw = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || (v === "" && blankKeys.has(key))) continue;
    // defineProperty: a "__proto__" key from JSON.parse stays a plain key
    Object.defineProperty(out, k, {
      value: pruneAbsent(v, blankKeys, k),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
