// openstack/latest/meta_data.json, the file cloud-init's ConfigDrive datasource reads first.
// cloud-init ignores a config drive whose meta_data.json has no `uuid`.

export interface MetaDataInput {
  uuid: string; // a fresh crypto.randomUUID() per install
  hostname?: string;
  sshKey?: string;
  meta: Record<string, string>; // the request's configDriveMetadata
  availabilityZone?: string;
}

export interface MetaData {
  uuid: string;
  hostname?: string;
  name?: string;
  public_keys?: { default: string };
  meta: Record<string, string>;
  availability_zone?: string;
  launch_index: 0;
}

export function buildMetaData(input: MetaDataInput): MetaData {
  const md: MetaData = { uuid: input.uuid, meta: { ...input.meta }, launch_index: 0 };
  if (input.hostname !== undefined) {
    md.hostname = input.hostname;
    md.name = input.hostname;
  }
  if (input.sshKey !== undefined) md.public_keys = { default: input.sshKey.trim() };
  if (input.availabilityZone !== undefined) md.availability_zone = input.availabilityZone;
  return md;
}
