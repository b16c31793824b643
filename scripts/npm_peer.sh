#!/usr/bin/env bash
# The install every npm test peer shares (scripts/*_peer/install.sh source it): pinned packages into
# DIR (a cache under the build dir), skipped when DIR's marker says they are there, one installer at
# a time (ctest runs test cases as parallel processes: one installs, the others wait on the lock).
#
#   npm_peer_install NAME DIR MARKER MIN_NODE CHECK_FILE PACKAGE... [-- NPM_OPTION...]
#
# NAME names the peer in messages; MARKER is the file written once the install is complete (it
# carries the versions); MIN_NODE is the oldest Node.js major version the packages run on (0: any);
# CHECK_FILE, relative to DIR, must exist afterwards ("" = no check). Exit 0: ready; 3 with a message
# on stderr: npm or Node.js is missing, or the install failed.
npm_peer_install() {
  local name=$1 dir=$2 marker=$3 min_node=$4 check=$5
  shift 5
  local packages=() options=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do packages+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  options=("$@")
  [ -f "$dir/$marker" ] && return 0
  command -v npm >/dev/null || { echo "$name peer: npm not found on PATH" >&2; return 3; }
  if [ "$min_node" -gt 0 ]; then
    node -e "process.exit(parseInt(process.versions.node, 10) >= $min_node ? 0 : 1)" ||
      { echo "$name peer: ${packages[*]} needs Node.js >= $min_node, found $(node --version)" >&2; return 3; }
  fi
  mkdir -p "$dir"
  exec 9>"$dir/.install.lock"
  flock 9
  [ -f "$dir/$marker" ] && return 0
  if ! npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error "${options[@]}" "${packages[@]}" >&2; then
    echo "$name peer: 'npm install ${packages[*]}' into $dir failed (is the npm registry reachable?)" >&2
    return 3
  fi
  if [ -n "$check" ] && [ ! -e "$dir/$check" ]; then
    echo "$name peer: $dir/$check missing after npm install" >&2
    return 3
  fi
  touch "$dir/$marker"
}
