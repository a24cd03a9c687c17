# Shared by the refstats benchmark scripts (sourced): the build folder, a scratch folder that
# is removed on exit, the benchmark secret, settle() and measure().
# The benchmarks' optimized builds have a folder of their own, apart from the tests' (.ci/run's
# ~/.cache/refcenter/target), so that neither profile's build replaces the other's.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/refcenter/bench-target}"
export REFGEN_SECRET="benchmark-secret-not-for-production"
work="$(mktemp -d "${TMPDIR:-/tmp}/refstats-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

measure() { # label, command...: prints the line and sets $wall and $rss (MB)
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/stdout" 2> "$work/stderr" || {
        cat "$work/stderr"; exit 1; }
    read -r wall kb < "$work/time"
    rss=$((kb / 1024))
    printf '  %-34s %8.2f s %8d MB peak RSS\n' "$label" "$wall" "$rss"
}

settle() { # file: written to disk and read once, so that no measured tool pays for the
    # generator's write-back and every tool reads it from the page cache alike
    sync
    cat "$1" > /dev/null
}
