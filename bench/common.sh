# Shared by the refstats benchmark scripts (sourced): the build folder, a scratch folder that
# is removed on exit, the benchmark secret, settle(), measure() and each_shape().
# The benchmarks' optimized builds have a folder of their own, apart from the tests' (.ci/run's
# ~/.cache/refcenter/target), so that neither profile's build replaces the other's.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/refcenter/bench-target}"
export REFGEN_SECRET="benchmark-secret-not-for-production"
work="$(mktemp -d "${TMPDIR:-/tmp}/refstats-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

measure() { # label, command...: prints the line and sets $wall, $cpu (user and system
    # seconds) and $rss (MB)
    local label="$1" user sys; shift
    /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" > "$work/stdout" 2> "$work/stderr" || {
        cat "$work/stderr"; exit 1; }
    read -r wall kb user sys < "$work/time"
    rss=$((kb / 1024))
    cpu="$(python3 -c "print(f'{$user + $sys:.2f}')")"
    printf '  %-34s %8.2f s %8d MB peak RSS %8.2f s CPU\n' "$label" "$wall" "$rss" "$cpu"
}

settle() { # file: written to disk and read once, so that no measured tool pays for the
    # generator's write-back and every tool reads it from the page cache alike
    sync
    cat "$1" > /dev/null
}

each_shape() { # lines, command: for each of the second, independent generator's shapes
    # (bench/gen_shapes.py), each over a program of its own size made by gen_program.py, and
    # each format, writes the log and runs `command log format program label` (which may
    # remove the log)
    local lines="$1" run="$2" shape format n_partners n_links n_ads
    for shape in few-partners many-partners bot-heavy; do
        read -r n_partners n_links n_ads < <(python3 bench/gen_shapes.py "$shape" program)
        python3 bench/gen_program.py "$work/program-$shape" "$n_partners" "$n_links" "$n_ads" > /dev/null
        for format in cloudfront combined; do
            python3 bench/gen_shapes.py "$shape" "$format" "$lines" "$work/$shape-$format.log"
            "$run" "$work/$shape-$format.log" "$format" "$work/program-$shape/partners.toml" "$shape, $format"
        done
    done
}
