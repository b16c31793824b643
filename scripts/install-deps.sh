#!/usr/bin/env bash
# Installs what r1cpp needs on a fresh Debian 12 machine. Idempotent: a second run is quick.
#   scripts/install-deps.sh demo   what building and running `r1` needs (make demo)
#   scripts/install-deps.sh [test] that plus the test and benchmark tools (make test)
# libopenblas0-pthread matters: without it libtorch's matmuls fall to the reference BLAS (~40x slower).
set -euo pipefail
mode=${1:-test}
case "$mode" in demo|test) ;; *) echo "install-deps: unknown mode '$mode' (demo | test)" >&2; exit 2 ;; esac
PKGS=(
  build-essential cmake ninja-build ccache
  libtorch-dev libopenblas0-pthread libgloo-dev
  nlohmann-json3-dev libcli11-dev libpcre2-dev libcpp-httplib-dev
  libginac-dev libcln-dev
)
if [ "$mode" = test ]; then
  # GoogleTest and Google Benchmark; clang + libclang-rt build the libFuzzer targets; Chromium renders
  # the HTML reports for the screenshot test.
  PKGS+=(libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev chromium libpng-dev)
  # Node.js (>= 18) runs the tokenizer peer test; the machine image usually has it already.
  command -v node >/dev/null 2>&1 || PKGS+=(nodejs npm)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# clang + libclang-rt-14-dev build the libFuzzer targets. The npm peers (tokenizers) are installed by the
# tests that need them, into the build directory.
