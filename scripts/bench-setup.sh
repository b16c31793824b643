#!/usr/bin/env bash
# Installs the peers `make bench` measures r1cpp against, never at test time:
#   - Debian's python3-torch (PyTorch 1.13, the eager peer) and python3-numpy, via apt;
#   - npm's node-llama-cpp with its prebuilt CPU binaries (@node-llama-cpp/linux-x64), into DIR
#     (default build/bench-peers), without the GPU variants and without building llama.cpp.
# Idempotent: a second run only checks. Usage: scripts/bench-setup.sh [DIR]
set -euo pipefail
dir=${1:-build/bench-peers}
llama_version=3.22.1

pkgs=(python3-torch python3-numpy)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "bench-setup: installing ${missing[*]} (apt)"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's interpreter, not whichever python3 comes first on PATH (pyenv, a venv): python3-torch
# installs into /usr/lib/python3/dist-packages.
/usr/bin/python3 -c 'import torch, numpy' ||
  { echo "bench-setup: /usr/bin/python3 cannot import torch after installing python3-torch" >&2; exit 3; }

marker="$dir/.installed-node-llama-cpp-$llama_version"
if [ ! -f "$marker" ]; then
  command -v npm >/dev/null || { echo "bench-setup: npm not found on PATH (apt-get install npm)" >&2; exit 3; }
  mkdir -p "$dir"
  echo "bench-setup: installing node-llama-cpp@$llama_version (npm, CPU prebuilt binaries) into $dir"
  # --omit=optional skips the CUDA/Vulkan/other-OS binaries node-llama-cpp lists; the CPU one is named
  # explicitly. NODE_LLAMA_CPP_SKIP_DOWNLOAD keeps its postinstall from fetching or compiling llama.cpp.
  if ! NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --prefix "$dir" --no-audit --no-fund --no-save \
      --loglevel=error --omit=optional \
      "node-llama-cpp@$llama_version" "@node-llama-cpp/linux-x64@$llama_version" >&2; then
    echo "bench-setup: 'npm install node-llama-cpp@$llama_version' into $dir failed (is the npm registry reachable?)" >&2
    exit 3
  fi
  touch "$marker"
fi
echo "bench-setup: peers ready (python3-torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), node-llama-cpp $llama_version in $dir)"
