#!/bin/bash
# Stand-in for dist/byol on the server side of byol remote's host test: the command-line interface
# the controller uses (preflight, install --detach, status --follow), with outcomes the test sets
# through files in the state directory next to this script. Never reads or writes disks.
set -u
state="$(dirname "$0")/state"
mkdir -p "$state"
cmd=$1
shift
has() { local f; for f in "${@:2}"; do [[ "$f" == "$1" ]] && return 0; done; return 1; }
case "$cmd" in
preflight)
  cat >/dev/null
  if [[ -e "$state/missing" ]] && ! has --install-missing "$@"; then
    echo '{"ts":"t","step":"preflight","phase":"result","ok":false,"exitCode":3,"error":{"code":"preflight","message":"missing packages: qemu-utils"}}'
    exit 3
  fi
  ;;
install)
  printf '%s\n' "$*" >"$state/argv"
  request=$(cat)
  # What arrived on stdin, as a digest: the request itself is never written here.
  printf '%s' "$request" | sha256sum | cut -d' ' -f1 >"$state/request.sha256"
  report="$state/r1.tar"
  while (($#)); do [[ "$1" == --report ]] && report=$2; shift; done
  code=$(cat "$state/exit-code" 2>/dev/null || echo 0)
  : >"$state/events"
  setsid bash -c '
    for i in 1 2 3 4 5 6; do
      echo "{\"ts\":\"t\",\"step\":\"copy\",\"phase\":\"log\",\"level\":\"info\",\"message\":\"line $i\"}" >>"$1/events"
      sleep 0.3
    done
    echo "{\"ts\":\"t\",\"step\":\"result\",\"phase\":\"result\",\"ok\":false,\"exitCode\":$2,\"error\":{\"code\":\"x\",\"message\":\"scripted\"}}" >>"$1/events"
    sleep 0.5
    tar -cf "$3.tmp" -C "$1" events && mv "$3.tmp" "$3"' _ "$state" "$code" "$report" </dev/null >/dev/null 2>&1 &
  echo "{\"runId\":\"r1\",\"pid\":$!,\"runDir\":\"$state\"}"
  ;;
status)
  drop=0
  if [[ -e "$state/drop" && ! -e "$state/dropped" ]]; then
    touch "$state/dropped"
    drop=1
  fi
  shown=0
  while :; do
    mapfile -t lines <"$state/events"
    while ((shown < ${#lines[@]})); do
      line=${lines[shown]}
      shown=$((shown + 1))
      echo "$line"
      if ((drop && shown == 2)); then
        # The connection breaks: this session's sshd goes away.
        kill -9 "$PPID"
        exit 1
      fi
      if [[ "$line" == *'"phase":"result"'* ]]; then
        code=${line##*\"exitCode\":}
        exit "${code%%,*}"
      fi
    done
    sleep 0.1
  done
  ;;
*)
  echo "fake byol: $cmd $*"
  ;;
esac
