#!/bin/bash
# Stand-in for dist/byol on a "server" of deploy/ansible's host test (connection local): preflight,
# install --detach and status --json as the playbook uses them. Preflight fails (exit 3, two lines) when
# the request's hostname is "no-tools". The install walks the OVH steps in a second or two and fails
# with exit 3 and OVH's checksum message when the request's imageCheckSum is "bad"; without --report
# its record goes next to it (a real byol's goes to /var/log/byol) and --detach says where.
# Never reads or writes disks; its state is in the folder next to it.
set -u
state="$(dirname "$0")/state"
mkdir -p "$state"
printf '%s\n' "$*" >>"$state/argv"
cmd=$1
shift
case "$cmd" in
preflight)
  if cat | grep -q '"hostname": *"no-tools"'; then
    echo "byol preflight: missing tools: mdadm (mdadm); rerun with --install-missing" >&2
    echo "byol preflight: the kernel lacks nbd" >&2
    exit 3
  fi
  echo "byol preflight: ok (boot mode uefi)"
  ;;
install)
  request=$(cat)
  printf '%s' "$request" | sha256sum | cut -d' ' -f1 >"$state/request.sha256"
  code=0
  if printf '%s' "$request" | grep -q '"imageCheckSum": *"bad"'; then code=3; fi
  report=""
  while (($#)); do [[ "$1" == --report ]] && report=$2; shift; done
  run="r-$$"
  report=${report:-$state/$run.tar}
  st() { printf '{"schemaVersion":1,"runId":"%s","state":"%s","step":"x","ovhStep":"%s","steps":[%s]%s}\n' "$run" "$1" "$2" "$3" "${4:-}" >"$state/status.tmp" && mv "$state/status.tmp" "$state/status.json"; }
  st running download '{"name":"download","status":"doing"},{"name":"partitioning","status":"todo"}'
  (
    sleep 1
    if ((code == 0)); then
      st running partitioning '{"name":"download","status":"done"},{"name":"partitioning","status":"doing"}'
      sleep 1
      st done partitioning '{"name":"download","status":"done"},{"name":"partitioning","status":"done"}' ',"result":{"ok":true,"exitCode":0}'
    else
      st failed download '{"name":"download","status":"error"},{"name":"partitioning","status":"todo"}' \
        ',"result":{"ok":false,"exitCode":3,"error":{"code":"checksum","message":"Bad sha512 for downloaded file, got : 12 while expecting : de"}}'
    fi
    sleep 0.5
    echo "$run" >"$state/summary.json" && tar -cf "$report.tmp" -C "$state" summary.json && mv "$report.tmp" "$report"
  ) </dev/null >/dev/null 2>&1 &
  echo "{\"runId\":\"$run\",\"pid\":$!,\"runDir\":\"$state\",\"record\":\"$report\"}"
  ;;
status)
  cat "$state/status.json" 2>/dev/null || echo '{"schemaVersion":1,"runId":null,"state":"none","step":null,"ovhStep":null,"steps":[]}'
  ;;
*)
  echo "fake byol: $cmd $*" >&2
  exit 2
  ;;
esac
