#!/usr/bin/env bash
# Installs what r1cpp needs on a fresh Debian 12 machine. Idempotent: a second run is quick.
#   scripts/install-deps.sh demo   what building and running `r1` needs (make demo)
#   scripts/install-deps.sh [test] that plus the test and benchmark tools (make test)
# One line per step; apt's own output is shown only when a step fails.
# libopenblas0-pthread matters: without it libtorch's matmuls fall to the reference BLAS (~40x slower),
# so the last step checks which BLAS libblas.so.3 resolves to.
set -euo pipefail
mode=${1:-test}
case "$mode" in demo|test) ;; *) echo "install-deps: unknown mode '$mode' (demo | test)" >&2; exit 2 ;; esac
PKGS=(
  build-essential cmake ninja-build ccache
  libtorch-dev libopenblas0-pthread libgloo-dev
  nlohmann-json3-dev libpcre2-dev libcpp-httplib-dev
  libginac-dev libcln-dev
)
if [ "$mode" = test ]; then
  # GoogleTest and Google Benchmark; clang + libclang-rt build the libFuzzer targets; Chromium renders
  # the HTML reports for the screenshot test.
  PKGS+=(libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev chromium libpng-dev)
  # Node.js (>= 18) runs the tokenizer peer test; the machine image usually has it already.
  command -v node >/dev/null 2>&1 || PKGS+=(nodejs npm)
fi

log=$(mktemp /tmp/r1-install-deps.XXXXXX.log)
trap 'rm -f "$log"' EXIT
# step "what" cmd...: one line, and the command's output only if it fails.
step() {
  local what=$1; shift
  printf 'install-deps: %s ... ' "$what"
  if "$@" >"$log" 2>&1; then
    echo ok
  else
    local rc=$?
    echo "FAILED (exit $rc)"
    cat "$log" >&2
    exit "$rc"
  fi
}

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  step "apt-get update" $SUDO apt-get update -qq
  step "installing ${#missing[@]} packages (${missing[*]})" \
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#PKGS[@]} packages already installed"
fi

# The BLAS libtorch will use: Debian's alternatives choose what libblas.so.3 is.
blas=$(readlink -f "$(ldconfig -p | awk '/libblas\.so\.3 .*x86-64|libblas\.so\.3 .*aarch64/ {print $NF; exit}')" 2>/dev/null || true)
case "$blas" in
  *openblas*) echo "install-deps: BLAS is OpenBLAS ($blas)" ;;
  "") echo "install-deps: warning: no libblas.so.3 found; libtorch's matmuls will fail or be slow" >&2 ;;
  *) echo "install-deps: warning: libblas.so.3 is $blas, not OpenBLAS: matmuls will be ~40x slower" \
          "(fix: update-alternatives --config libblas.so.3-x86_64-linux-gnu)" >&2 ;;
esac
# clang + libclang-rt-14-dev build the libFuzzer targets. The npm peers (tokenizers) are installed by the
# tests that need them, into the build directory.
