// Every file of the config drive, as paths relative to its root and exact bytes.
// Pure: the uuid is given, nothing is read or written here.

import type { Nic } from "../probe/types.ts";
import type { InstallRequest } from "../request/types.ts";
import { buildMetaData } from "./meta-data.ts";
import { buildNetworkData } from "./network-data.ts";

export interface ConfigDriveFile {
  path: string; // "openstack/latest/meta_data.json"
  data: Uint8Array;
  secret: boolean; // user data: never logged, written with mode 0600
}

export const CONFIG_DRIVE_LABEL = "config-2";

export function configDriveFiles(request: InstallRequest, nics: readonly Nic[], uuid: string): ConfigDriveFile[] {
  const metaData = buildMetaData({
    uuid,
    meta: request.configDriveMetadata,
    ...(request.hostname !== undefined ? { hostname: request.hostname } : {}),
    ...(request.sshKey !== undefined ? { sshKey: request.sshKey } : {}),
  });
  const files: ConfigDriveFile[] = [
    { path: "openstack/latest/meta_data.json", data: json(metaData), secret: false },
    { path: "openstack/latest/network_data.json", data: json(buildNetworkData(nics)), secret: false },
  ];
  if (request.userData !== undefined) {
    files.push({ path: "openstack/latest/user_data", data: Buffer.from(request.userData, "utf8"), secret: true });
  }
  return files;
}

function json(value: unknown): Uint8Array {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, "utf8");
}
