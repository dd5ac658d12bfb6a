// The fleet rig's pure parts: the fleet file (fixtures/fleets/*.json), the Ansible inventory written for the
// rescue VMs (deploy/ansible's host variables from each host's OVH request), and the playbook's per-host
// outcome (its summary.json and the summary lines). No I/O here.
import { z } from "zod";
import { parseJsonWith } from "./scenario.ts";

const fleetSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
  description: z.string().optional(),
  // every machine of the fleet gets this memory and these CPUs, whatever its scenario says
  memoryMiB: z.number().int().min(1024).default(2048),
  cpus: z.number().int().min(1).max(8).default(1),
  hosts: z
    .array(
      z.strictObject({
        // the host's name in the inventory, and its output folder
        name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
        // a scenario file, relative to fixtures/scenarios/ or absolute
        scenario: z.string().min(1),
      }),
    )
    .min(1),
});

export type Fleet = z.output<typeof fleetSchema>;

export function parseFleet(text: string, source: string): Fleet {
  const fleet = parseJsonWith(fleetSchema, text, `fleet ${source}`);
  const names = fleet.hosts.map((h) => h.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`fleet ${source}: two hosts are named ${dup}`);
  return fleet;
}

// customizations key -> the role's variable (deploy/ansible/roles/byol_install/templates/request.json.j2)
const CUSTOMIZATION_VARS: Record<string, string> = {
  hostname: "byol_hostname",
  imageURL: "byol_image_url",
  imageType: "byol_image_type",
  imageCheckSum: "byol_image_checksum",
  imageCheckSumType: "byol_image_checksum_type",
  httpHeaders: "byol_http_headers",
  sshKey: "byol_ssh_key",
  configDriveUserData: "byol_user_data",
  configDriveMetadata: "byol_config_drive_metadata",
  efiBootloaderPath: "byol_efi_bootloader_path",
};

// The role's host variables for an OVH request in the reinstall form. Anything the template cannot carry is
// an error, so that a request is never installed with a field silently dropped.
export function payloadVars(request: Record<string, unknown>): Record<string, unknown> {
  const { operatingSystem, customizations, storage, ...rest } = request;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new Error(`fleet: the playbook's template has no variable for ${extra.join(", ")}`);
  if (typeof operatingSystem !== "string") throw new Error("fleet: the request has no operatingSystem");
  const vars: Record<string, unknown> = { byol_operating_system: operatingSystem };
  for (const [key, value] of Object.entries((customizations ?? {}) as Record<string, unknown>)) {
    const name = CUSTOMIZATION_VARS[key];
    if (name === undefined) throw new Error(`fleet: the playbook's template has no variable for customizations.${key}`);
    vars[name] = value;
  }
  if (storage !== undefined) vars["byol_storage"] = storage;
  return vars;
}

/** One rescue VM as Ansible reaches it. */
export interface FleetHost {
  name: string;
  sshPort: number;
  keyPath: string;
  knownHosts: string;
  /** The OVH request (reinstall form), secrets included: the inventory file is 0600. */
  request: Record<string, unknown>;
}

export interface FleetSettings {
  /** dist/byol on this machine. */
  byol: string;
  /** --report on the servers (the rig's checks read the record from there). */
  report: string;
}

export const FLEET_GROUP = "byol_rescue";

// The inventory (YAML's JSON subset, read by Ansible's yaml plugin as inventory.json): one group, each host on
// 127.0.0.1 at its forwarded SSH port with the rig's key, and its payload as host variables.
export function fleetInventory(hosts: readonly FleetHost[], settings: FleetSettings): Record<string, unknown> {
  const vars = {
    ansible_user: "root",
    ansible_python_interpreter: "/usr/bin/python3",
    byol_local_executable: settings.byol,
    byol_install_missing: true,
    // the rig's machines have no netboot: the installed disk must boot first
    byol_boot_order: "disk-first",
    byol_no_reboot: true,
    byol_report: settings.report,
    byol_poll_delay: 3,
  };
  const entries = hosts.map((h) => [
    h.name,
    {
      ansible_host: "127.0.0.1",
      ansible_port: h.sshPort,
      ansible_ssh_private_key_file: h.keyPath,
      ansible_ssh_common_args: `-o UserKnownHostsFile=${h.knownHosts} -o StrictHostKeyChecking=accept-new`,
      ...payloadVars(h.request),
    },
  ]);
  return { [FLEET_GROUP]: { vars, hosts: Object.fromEntries(entries) } };
}

/** A host's outcome as the role writes it (<records>/<host>/summary.json). */
export const hostSummarySchema = z.object({
  host: z.string(),
  result: z.enum(["ok", "failed"]),
  exitCode: z.coerce.number().int(),
  error: z.string(),
  runId: z.string(),
  durationSeconds: z.coerce.number().int(),
  record: z.string(),
});
export type HostSummary = z.output<typeof hostSummarySchema>;

export function parseHostSummary(text: string, source: string): HostSummary {
  return parseJsonWith(hostSummarySchema, text, source);
}

/** One line of the summary play (templates/summary.txt.j2). */
export interface SummaryLine {
  host: string;
  result: "ok" | "failed" | "not run";
  seconds: number;
  record?: string;
  error?: string;
}

const LINE = /^(\S+) (ok|failed|not run) (\d+)s record=(\S+)(?: error=(.+))?$/;

// Every summary line of a text (the summary file, or the playbook's output); other lines are skipped. In the
// playbook's output the lines are JSON strings of the debug task's list: `"host ok 12s record=…",`.
export function parseSummaryLines(text: string): SummaryLine[] {
  const out: SummaryLine[] = [];
  for (const raw of text.split("\n")) {
    let line = raw.trim();
    const quoted = /^"(.*)",?$/.exec(line);
    if (quoted !== null) {
      try {
        line = JSON.parse(`"${quoted[1]}"`) as string;
      } catch {
        continue;
      }
    }
    const m = LINE.exec(line);
    if (m === null) continue;
    out.push({
      host: m[1]!,
      result: m[2] as SummaryLine["result"],
      seconds: Number(m[3]),
      ...(m[4] !== "-" ? { record: m[4]! } : {}),
      ...(m[5] !== undefined ? { error: m[5] } : {}),
    });
  }
  return out;
}

// byol's result line for the rig's exit checks, from the playbook's outcome for a host.
export function resultLineOf(s: HostSummary): string {
  const message = s.error.replace(/^byol install: /, "");
  const error = s.result === "failed" ? { error: { code: "ansible", message } } : {};
  return JSON.stringify({ phase: "result", ok: s.result === "ok", exitCode: s.exitCode, ...error });
}
