# Sourced by the rescue and fixture image builds: the one mmdebstrap call that makes their Debian bookworm tree.
# debian_tree ROOT INCLUDE [MMDEBSTRAP_OPTION...]: minbase, no Recommends, no documentation, manual pages,
# translations or lintian files; INCLUDE is mmdebstrap's comma-separated package list. BYOL_DEBIAN_MIRROR
# overrides mmdebstrap's default mirrors.
debian_tree() {
  local root=$1 include=$2
  shift 2
  local mirrors=()
  [[ -n "${BYOL_DEBIAN_MIRROR:-}" ]] && mirrors=("$BYOL_DEBIAN_MIRROR")
  mmdebstrap --mode=root --variant=minbase --format=directory \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/i18n/*' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --include="$include" "$@" \
    bookworm "$root" "${mirrors[@]}"
}

# The packages of a list file (one per line, # comments), comma-separated.
package_list() {
  grep -v '^\s*#' "$1" | grep -v '^\s*$' | paste -sd, -
}
