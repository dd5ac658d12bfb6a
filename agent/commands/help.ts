// --help text: what each command does, its flags, and its exit codes.

const overview = `byol - install your own Linux or OS image onto this server's disks
(OVHcloud "Bring Your Own Linux" byolinux_64 and "Bring Your Own Image" byoi_64 compatible)

Usage: byol <command> [flags]

Commands:
  validate   --request FILE|-              check a request; nothing is touched
  inventory  [--json]                      show the disks, RAM and firmware probe sees
  plan       --request FILE [--inventory FILE] [--json] [--image-staging stream|ram]
                                           print every command an install would run; nothing is touched
  install    --request FILE|- [--json] [--no-reboot] [--report FILE] [--report-url URL]
             [--boot-order network-first|disk-first|keep] [--stop-after disks]
             [--image-staging stream|ram] [--script-timeout MINUTES] [--run-dir DIR] [--detach]
             [--break-arrays]
             [--connections N] [--allow-insecure-redirect] [--download-idle-timeout S]
             [--download-deadline S]
                                           install the image (ERASES the target disks)
  fetch      --request FILE|- --output FILE [--json]
                                           download, verify and inspect the image; no disk is touched
  preflight  --request FILE|- [--install-missing] [--inventory FILE] [--json]
                                           check the tools, kernel, boot mode and RAM an install needs
  cleanup                                  release what a failed or killed run left behind
  status     [--json] [--follow [--run ID]]
                                           state of the current or last run; --follow
                                           re-attaches and exits with the install's code
  report     show FILE [--json] | diff A B [--json]
                                           read a run record, or compare two
  replay     FILE [--header 'Name: value']... [--image-url URL] [--user-data FILE]
             [--ssh-key KEY] [--report FILE] [--image-staging stream|ram] [--dry-run]
                                           run a recorded install again on this machine
  remote     [user@]host[:port] install|plan|inventory|preflight|status|cleanup|fetch [flags]
                                           run byol on a server in rescue mode over ssh

Run 'byol help <command>' or 'byol <command> --help' for details.

Exit codes:
  0    done
  2    invalid request or flags; nothing touched
  3    failed before any disk was written; disks as they were
  4    failed after disks were written; cleaned up, partition tables reset
  5    status --follow: the install's process died without a result (killed);
       nothing cleaned up: run 'byol cleanup'
  130  interrupted (SIGINT/SIGTERM); cleaned up
An install never stops because its output went away (a closed pipe, a dropped SSH
session: SIGHUP is ignored); its events go on in the run dir.
`;

const perCommand: Record<string, string> = {
  validate: `Usage: byol validate --request FILE|- [--json]

Checks an install request (OVH reinstall payload, or the legacy install/start payload
with userMetadata) without looking at the machine. Every problem is printed, one per
line on stderr, using OVH's documented wording where there is one.

  --request FILE   the request JSON; '-' reads standard input
  --json           print {"ok":bool,"problems":[...]} on stdout instead

Exit: 0 valid, 2 invalid.
Example: byol validate --request fixtures/requests/ovh-byolinux-reinstall.json
`,
  inventory: `Usage: byol inventory [--json]

Shows what the probe sees: target disks (path, size, sector sizes, rotational, model,
serial, wwn), disk groups (group 1 holds the first disk by name), RAM, firmware
(uefi/bios), existing md arrays and mounts. The disk the rescue system runs from is left out.
Removable, read-only, hot-plugged and USB disks (sticks, card readers, BMC virtual media) are
listed as excluded, with the reason: they never join a disk group and are never written.
Read-only: runs lsblk and reads /proc and /sys.

  --json   print the inventory as JSON (the format 'byol plan --inventory' reads)
`,
  plan: `Usage: byol plan --request FILE [--inventory FILE] [--json]

Prints the exact plan of an install: every step in order with every command it would
run, shell-quoted, one per line. Nothing is run and nothing is touched.

  --request FILE     the request JSON ('-' reads standard input)
  --inventory FILE   plan for a recorded machine instead of probing this one
                     (needs firmware, memoryBytes, disks[].path/sizeBytes/logicalSectorSize;
                     optional gptBoot: false for firmware that can only boot MBR)
  --json             print the versioned plan data
  --image-staging stream|ram
                     byoi_64 raw images: stream (default) straight from HTTP onto the disk,
                     or ram: download into RAM first, then write (OVH's behaviour)
  --break-arrays     plan as install --break-arrays would (see byol help install)

Exit: 0, or 2 when the request is invalid or the layout does not fit the disks.
Example: byol plan --request fixtures/requests/byolinux-raid1.json --inventory fixtures/inventories/uefi-2disks.json
`,
  preflight: `Usage: byol preflight --request FILE|- [--install-missing] [--inventory FILE] [--json]

Checks that this machine has what the request's plan needs, before anything is written: every
program its steps run (derived from the plan's commands: sgdisk, mdadm, lvm, mkfs.*, qemu-img,
qemu-nbd, rsync, efibootmgr for UEFI, wipefs, partprobe, mtools, blkid...), the kernel features
behind them (nbd, md and its RAID levels, device-mapper, loop, the filesystems), efivars for
UEFI, and RAM for the image (the rescue keeps 3 GiB). byol install runs the same checks as its
first step ("preflight"), without installing anything.

  --request FILE      the request JSON ('-' reads standard input)
  --install-missing   install the packages of missing tools: apt-get install -y
                      --no-install-recommends, from byol's one package list (the rescue build's)
  --inventory FILE    plan for a recorded machine instead of probing this one
  --json              one line: {"ts","step":"preflight","phase":"result","ok","exitCode",
                      "missing":[{"tool","package"}],"packages","kernel","bootMode","installed"?,"error"?}
  --image-staging stream|ram   as for install (whether a byoi_64 raw image goes to RAM)

Without --install-missing, a missing tool is exit 3 with one line on stderr:
  byol preflight: missing tools: qemu-nbd (qemu-utils), mkfs.xfs (xfsprogs); rerun with --install-missing
Exit: 0 ready, 2 invalid request, 3 something missing (or apt-get failed).
`,
  fetch: `Usage: byol fetch --request FILE|- --output FILE [--json]

Downloads the request's image into FILE with its httpHeaders, verifies its checksum in the same
pass, and inspects it as install does before any disk is touched: format, qcow2 header (no
backing or external data file), partition table, filesystem and, for byolinux_64,
make_image_bootable.sh. Prints what it found. Runs anywhere (e.g. a laptop, before booting a
server into rescue); a check this machine cannot make (no qemu-img; no root, loop devices, FUSE
or nbd to mount the partition) is named as not checked, with why. No disk is probed or written.
The RAM rule is not applied (this is not the server): the limit is the free space where FILE
goes, and the report says how much RAM a server needs to install the image.

  --request FILE   the request JSON ('-' reads standard input)
  --output FILE    where the image goes (kept after an inspection refusal, removed after a
                   failed download or checksum)
  --json           JSON lines as for install; the result line carries the report as "image"
  --connections N, --allow-insecure-redirect, --download-idle-timeout S, --download-deadline S
                   the download, as for byol install

Exit: 0 the image passes (as far as this machine can tell), 2 invalid request, 3 download,
checksum or inspection failed, with install's message (OVH's wording), 130 interrupted.
Example: byol fetch --request r.json --output /tmp/image.qcow2
`,
  install: `Usage: byol install --request FILE|- [flags]

Installs the image: download into RAM with the checksum verified in the same pass,
inspect it, then wipe, partition, RAID, LVM, format, mount, write the config drive,
copy the image, run its make_image_bootable.sh, set the boot order, reboot.
Everything that can fail without touching the disks runs first.
byoi_64 writes the whole image onto the first disk of the group instead: a raw image is
streamed from HTTP onto the disk (its first MiB written last, once the checksum matched),
a qcow2 image is downloaded into RAM and converted; then the backup GPT is moved to the
disk's end, the config drive appended, the UEFI boot entry made, and the server rebooted.
THIS ERASES THE TARGET DISKS.

  --request FILE|-          the request JSON ('-' reads standard input)
  --json                    JSON lines on stdout: {"ts","step","phase",...}, last line
                            {"phase":"result","ok":bool,"exitCode":n,"error"?}
  --no-reboot               do not reboot at the end
  --report FILE             also write the run record to FILE
  --report-url URL          also upload the run record there (one HTTP PUT of the tar; URL
                            credentials become Basic auth and are never logged). A pre-signed
                            URL is a secret: give it as @FILE (or @- for standard input) so it
                            stays out of ps and the shell history
  --boot-order MODE         UEFI BootOrder after the install: network-first (default: network
                            boot entries stay ahead of the new disk entries, as OVH servers
                            need to reach their netboot, which chooses rescue or disk),
                            disk-first (the new entries first: for machines without netboot),
                            keep (the order as it was, new entries last)
  --script-timeout MINUTES  stop make_image_bootable.sh after this long (default 30)
  --stop-after disks        run only the disk steps (no download or image) and leave everything
                            mounted, for debugging (byolinux_64 only: refused for byoi_64)
  --image-staging MODE      byoi_64 raw images: stream (default) straight from HTTP onto the
                            disk, hash computed in the same pass; ram: download into RAM first
                            (OVH's RAM rule), then write. qcow2 always goes to RAM.
  --run-dir DIR             where the journal, events and state go (default /run/byol)
  --log-level LEVEL         byol.log's level: fatal, error, warn, info, debug (default), trace, silent
  --run-id ID               the run's id (default: a new one; --detach sets it for the process it starts)
  --detach                  check the request and the plan (exit 2 as install), then run the
                            install in a session of its own (the request through a pipe, its
                            output to stdout.log and stderr.log in the run dir) and return:
                            prints {"runId","pid","runDir","record"} with --json (record: the
                            run record's path once it has ended), a sentence without.
                            Follow it with 'byol status --follow --run ID'.
  --break-arrays            an md array, LVM volume group or ZFS pool with members on a target
                            disk and on a disk that is not a target is refused (exit 3, nothing
                            touched) unless this is given; then only the target's members are
                            released and cleared (an md array that can run degraded keeps running
                            on the other disks), and the other disks' data is kept
  --connections N           download over up to N connections at once (default 8) when the server
                            supports ranges and names its image (ETag or Last-Modified), opened
                            once the first shows that the link, not this machine, is the limit;
                            1: one
  --allow-insecure-redirect follow a redirect from https to http (refused by default)
  --download-idle-timeout S drop (and resume) a connection that receives nothing for S seconds (default 60)
  --download-deadline S     fail the download if it is not complete within S seconds (default: none)

Exit: 0 done, 2 invalid, 3 failed before disks were written, 4 failed after (cleaned up,
tables reset), 130 interrupted (cleaned up). With --detach: 0 once started (2, 3 as above).
A closed stdout or SIGHUP does not stop an install; SIGINT/SIGTERM do (cleaned up, 130).
`,
  cleanup: `Usage: byol cleanup [--run-dir DIR] [--json]

Releases what a failed or killed run left behind: mounts under /tmp/a and /dev/shm/image,
nbd connections and loop devices, the image's copies in RAM (the downloaded image in
/dev/shm/byol, an inspection's qemu-storage-daemon and scratch directories), ZFS pools, LVM
activations and md arrays on the target disks. If the killed run had already written the
disks, their partition tables are reset so a half-written disk never boots.
Safe to run when nothing is left.
  --run-dir DIR   the run dir the install used (default /run/byol)
  --json          JSON lines on stdout, ending in {"phase":"result","ok","exitCode","released","problems"}
  --log-level L   byol.log's level (pino: fatal … trace, silent; default debug)
Its journal.jsonl, events.jsonl and byol.log go to <run dir>/cleanup-<time>-<id>/.
Exit: 0 when everything was released, 3 when something could not be.
`,
  status: `Usage: byol status [--run-dir DIR] [--json]
       byol status --follow [--run ID] [--run-dir DIR] [--json]

Shows the current or last run: its id, its step, its progress and its result, with the
steps named like OVH's progress list (download, partitioning, configdrive, deploy,
make_image_bootable, boot order, reboot), each done (✓), running (…), failed (✗) or to do.
Read-only: reads current.json and status.json in the run dir; safe to poll every second.

  --run-dir DIR   the run dir the install used (default /run/byol)
  --json          one JSON object, OVH's GET …/install/status equivalent:
                  {"runId","state":"running|done|failed|interrupted|none","step","ovhStep",
                   "progress"?:{"bytes","total"},"steps":[{"name","status":"todo|doing|done|error"}],
                   "result"?:{"ok","exitCode","error"?}}
  --follow        re-attach to the run (from any later session): print its events so far,
                  follow them live until the result, and exit with the install's exit code.
                  With --json the same JSON lines as 'install --json', the result line last.
                  If the install's process died without a result (killed), one line says so
                  and the exit code is 5 (nothing was cleaned up: run 'byol cleanup').
  --wait          the same as --follow
  --run ID        with --follow: this run (as 'install --detach' printed it), not the last one
`,
  report: `Usage: byol report show FILE [--json]
       byol report diff A B [--json]

A run record is the tar every install writes (--report FILE, default
/var/log/byol/<run-id>.tar): the request with its secrets removed, the inventory, the
plan, events, the command journal, byol.log, make_image_bootable.sh's whole output, the
final fstab and mdadm.conf, sgdisk -p of each disk, and summary.json.

  show FILE         the run's result, its steps with timings, the failing command with its
                    output, and the end of make_image_bootable.sh's output
  show FILE --json  summary.json: {runId, ok, exitCode, error?, startedAt, finishedAt,
                    steps: [{id, title, durationMs, phase: done|failed|interrupted}], ...}
  diff A B          the plans (steps added, removed, other commands), the commands the runs
                    ran where they differ, and the step timings side by side
  diff A B --json   the same as one JSON object: {a, b, differ, plan, commands, timings}
Exit: 0; report diff: 0 when the runs have the same result, plan and commands, 1 when they
differ (as diff(1)); 2 for bad arguments.
`,
  replay: `Usage: byol replay FILE [flags]

Runs the request of a run record again on this machine, to reproduce a failure. Each
recorded target disk is mapped to the disk at the same position of a disk group here with as
many disks, each at least as large; replay refuses when none fits. The record holds no
secrets, so they are given again: the httpHeaders with --header, or another image URL with
--image-url; the user data with --user-data. THIS ERASES THE TARGET DISKS (unless --dry-run).

  --header 'Name: value'   an httpHeader of the image request (repeatable); --header @FILE
                           reads one header per line from FILE, --header @- from standard input
  --image-url URL          fetch the image from here instead (e.g. a local copy); @FILE or @-
                           as for --header
Headers and URLs are secrets, and a command line shows in ps and the shell history: give
them as @FILE (a file only root can read) or @-, not as values.
  --user-data FILE         the configDriveUserData, when the recorded request had some
  --ssh-key KEY            root's SSH key on the installed system instead of the recorded one:
                           a public key line, or a file holding one (a rig puts its own key in)
  --report FILE            write this run's record here (default /var/log/byol/<run-id>.tar)
  --image-staging MODE     byoi_64 raw images: stream (default) or ram, as for install
  --dry-run                print the plan the replay would run; nothing is touched
  --inventory FILE         with --dry-run: plan for a recorded machine instead of this one
  --json, --no-reboot, --boot-order MODE, --run-dir DIR, --log-level LEVEL   as for byol install
  --connections N, --allow-insecure-redirect, --download-idle-timeout S,
  --download-deadline S    the download, as for byol install

Exit: as byol install; 2 when the disks do not fit or a secret is missing.
`,
  remote: `Usage: byol remote [user@]host[:port] COMMAND [flags]
       COMMAND: install | plan | inventory | preflight | status | cleanup | fetch | validate

Runs byol on a server (booted into rescue, root over SSH) from this machine, with the system's
ssh: its config, agent and known_hosts. One master connection is shared by every call. First
the byol executable (dist/byol) is copied to the server, gzip-compressed, into a 0700
directory, only when the server's copy has another sha256, and its sha256 is checked.
--request FILE is read and validated here and sent on ssh's stdin: never in a command line,
never written unredacted on the server.

install: preflight (missing packages stop here unless --install-missing), then the install runs
detached on the server (it survives the connection) while its events come back here and show
as a local install's (JSON lines with --json). When the connection drops, the controller
attaches again (--retries times, with backoff up to 20 s, about two minutes for 10). At the
end, success or failure, the run record is copied into --out DIR. The exit code is the install's.
status --follow: attach to the running (or given --run ID) install by hand, the same way.
The other commands run on the server with their flags and exit with its exit code.

  --identity FILE          ssh's identity file (-i)
  --ssh-option OPT         an ssh -o option, e.g. 'UserKnownHostsFile=./known_hosts' (repeatable;
                           wins over byol's own)
  --port N                 ssh port (or host:port)
  --host-key-check MODE    config (default: as ssh's config and known_hosts say), accept-new
                           (add an unknown server's key, refuse a changed one), no (never check)
  --byol FILE              the executable to copy (default: dist/byol next to this program)
  --remote-dir DIR         where it goes on the server (default /root/.byol, mode 0700)
  --out DIR                where the run record is copied (default: the current directory)
  --retries N              attach attempts after a lost connection (default 10)
  anything else            passed to the remote byol (--json, --no-reboot, --report FILE,
                           --boot-order, --install-missing, --follow, --run ID, …)

Exit: the remote command's exit code (install: 0, 2, 3, 4, 130), or the controller's own:
  10  cannot reach the server (name, refused, timeout), or the copy or preflight failed
  11  the server's host key is unknown or does not match known_hosts
  12  the remote user is not root
  13  preflight refused: packages are missing (without --install-missing), or another check failed
  14  no space for the executable in --remote-dir on the server
  15  the server refused the login (no accepted key)
  16  the connection was lost and attaching again failed; the install goes on on the server
  130 stopped following (Ctrl-C); the install goes on on the server
`,
};

export function hasHelp(topic: string): boolean {
  return Object.hasOwn(perCommand, topic);
}

export function helpText(topic?: string): string {
  return (topic !== undefined && perCommand[topic]) || overview;
}

export function printHelp(topic?: string): void {
  process.stdout.write(helpText(topic));
}
