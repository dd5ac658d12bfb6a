// `qemu-img info --output=json` of the header copy, reduced to what the cross-check compares.

export interface QemuInfo {
  format: string;
  virtualSize: number;
  backingFilename?: string;
  dataFile?: string;
  encrypted: boolean;
}

export function parseQemuInfo(json: string): QemuInfo {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const data = ((raw["format-specific"] as Record<string, unknown> | undefined)?.["data"] ?? {}) as Record<
    string,
    unknown
  >;
  const info: QemuInfo = {
    format: String(raw["format"] ?? ""),
    virtualSize: Number(raw["virtual-size"] ?? Number.NaN),
    encrypted: raw["encrypted"] === true || data["encrypt"] !== undefined,
  };
  const backing = raw["backing-filename"] ?? raw["full-backing-filename"];
  if (typeof backing === "string") info.backingFilename = backing;
  if (typeof data["data-file"] === "string") info.dataFile = data["data-file"];
  return info;
}
