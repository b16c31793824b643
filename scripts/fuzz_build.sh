# Sourced by scripts/fuzz_*.sh. fuzz_build BIN LIBS: compiles every file of the caller's array
# `sources` with its array `flags` into $work/obj (in parallel, and only when the source or any
# header under src/ is newer than its object), then links BIN with libFuzzer, the sanitizers and
# LIBS. Needs `root` and `work` set.
fuzz_build() {
  local bin=$1 libs=$2 s o rel newest_header
  local objects=() stale=()
  newest_header=$(ls -t "$root"/src/*/*.h "$root"/src/*/*/*.h 2>/dev/null | sed -n 1p)  # sed reads all: no SIGPIPE
  mkdir -p "$work/obj"
  for s in "${sources[@]}"; do
    rel=${s#"$root"/}
    o="$work/obj/${rel//\//_}.o"
    objects+=("$o")
    if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ "$newest_header" -nt "$o" ]; then stale+=("$s:$o"); fi
  done
  if [ ${#stale[@]} -gt 0 ]; then
    echo "fuzz: compiling ${#stale[@]} sources" >&2
    printf '%s\n' "${stale[@]}" | xargs -P "$(nproc)" -I{} sh -c \
      'src="${1%%:*}"; obj="${1#*:}"; shift; clang++ "$@" -c "$src" -o "$obj"' _ {} "${flags[@]}"
  fi
  if [ ${#stale[@]} -gt 0 ] || [ ! -x "$bin" ]; then
    # shellcheck disable=SC2086  # LIBS is a list of linker flags
    clang++ -fsanitize=fuzzer,address,undefined "${objects[@]}" $libs -lpthread -o "$bin"
  fi
}
