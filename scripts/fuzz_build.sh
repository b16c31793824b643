# Sourced by scripts/fuzz_*.sh: building a fuzz target and running it. Needs `root`, `work` and
# `secs` set; the compiler is $FUZZ_CXX (default clang++).

# fuzz_build BIN LIBS: compiles every file of the caller's array `sources` with its array `flags` into
# $work/obj (in parallel, and only when the source or any header under src/ is newer than its object),
# then links BIN with libFuzzer, the sanitizers and LIBS.
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
      'src="${1%%:*}"; obj="${1#*:}"; shift; "$0" "$@" -c "$src" -o "$obj"' "${FUZZ_CXX:-clang++}" {} "${flags[@]}"
  fi
  if [ ${#stale[@]} -gt 0 ] || [ ! -x "$bin" ]; then
    # shellcheck disable=SC2086  # LIBS is a list of linker flags
    "${FUZZ_CXX:-clang++}" -fsanitize=fuzzer,address,undefined "${objects[@]}" $libs -lpthread -o "$bin"
  fi
}

# fuzz_ignore_leaks PATTERN...: LeakSanitizer reports no leak whose stack matches a PATTERN (for the
# uninstrumented libraries a target links; the caller says why).
fuzz_ignore_leaks() {
  printf 'leak:%s\n' "$@" > "$work/lsan.supp"
  export LSAN_OPTIONS="suppressions=$work/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
}

# fuzz_run BIN MAX_LEN [LIBFUZZER_OPTION...]: replaces the shell with BIN fuzzing for $secs seconds
# from $work/corpus (inputs up to MAX_LEN bytes, 10 s and 2 GB each at most); a crash's input is
# written to $work/crash-*.
fuzz_run() {
  local bin=$1 max_len=$2
  shift 2
  exec "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" -artifact_prefix="$work/" \
    -print_final_stats=1 "$@" "$work/corpus"
}
