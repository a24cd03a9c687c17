#!/usr/bin/env bash
# refstats benchmark: realistic CloudFront and combined logs over a 10,000-partner program,
# refstats side by side with DuckDB and Python polars running the same aggregation on the
# same file (bench/others.py), three rounds each, with wall time, peak memory and the ratios
# of the medians; then refstats' peak memory on 500 thousand and 5 million lines (three runs
# each). Not a test: run it by hand and copy the figures into bench/README.md.
#
#   bench/stats.sh [LINES]          # default 5000000
#
# Then the same on the second generator's shapes (bench/gen_shapes.py: few partners and many
# visitors, many partners and few visitors, bot-heavy), SHAPE_LINES lines each (default
# 2000000). SHAPES_ONLY=1 runs only those.
#
# Needs /usr/bin/time, python3 with `duckdb` and `polars` (pip install duckdb polars).
set -euo pipefail
cd "$(dirname "$0")/.."
lines="${1:-5000000}"
. bench/common.sh

cargo build --quiet --profile bench -p refstats
refstats="$CARGO_TARGET_DIR/release/refstats"
python3 bench/gen_program.py "$work/program" 10000 20 5 > /dev/null

same() { # refstats daily.csv and another tool's CSV hold the same rows
    python3 - "$1" "$2" <<'PY'
import csv, sys
def rows(path, keep=8):
    with open(path) as f:
        r = csv.reader(f); next(r)
        return sorted(tuple(x[:keep]) for x in r)
a, b = rows(sys.argv[1]), rows(sys.argv[2])
print("  same rows as refstats" if a == b else f"  DIFFERENT from refstats ({len(a)} vs {len(b)} rows)")
PY
}

echo "$(nproc) cores; refstats $("$refstats" --version | cut -d' ' -f2), $(python3 -c 'import duckdb, polars; print(f"duckdb {duckdb.__version__}, python polars {polars.__version__}")')"
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
# "full" is refstats with every breakdown (--breakdowns all): what the breakdowns cost.
tools=(refstats full duckdb polars)
compare() { # log, format, program, label: three rounds of each tool, medians and ratios
    local log="$1" format="$2" config="$3" label="$4"
    settle "$log"
    echo "$label: $(wc -l < "$log") lines, $(du -h "$log" | cut -f1); three rounds, each tool once a round, in turn first"
    declare -A walls=() peaks=()
    for round in 0 1 2; do
        for i in 0 1 2 3; do
            tool="${tools[$(( (i + round) % 4 ))]}"
            if [ "$tool" = refstats ]; then
                measure "refstats" "$refstats" --config "$config" --format "$format" --no-progress --out "$work/out-$format" "$log"
            elif [ "$tool" = full ]; then
                measure "full" "$refstats" --config "$config" --format "$format" --no-progress --breakdowns all --out "$work/full-$format" "$log"
            else
                measure "$tool" python3 bench/others.py "$tool" "$format" "$log" "$work/$tool-$format.csv"
            fi
            walls[$tool]+="$wall "
            peaks[$tool]+="$rss "
        done
    done
    echo "  medians:"
    for tool in "${tools[@]}"; do
        # shellcheck disable=SC2086 # the lists are words on purpose
        printf '  %-34s %8.2f s %8d MB peak RSS\n' "$tool" "$(median ${walls[$tool]})" "$(median ${peaks[$tool]})"
    done
    ours="$(median ${walls[refstats]})"
    python3 -c "print(f'  breakdowns cost: refstats --breakdowns all / refstats: {$(median ${walls[full]}) / $ours:.3f}')"
    for engine in duckdb polars; do
        python3 -c "print(f'  ratio {\"$engine\"} / refstats: {$(median ${walls[$engine]}) / $ours:.2f}')"
        same "$work/out-$format/daily.csv" "$work/$engine-$format.csv"
    done
    rm -f "$log"
}

if [ -z "${SHAPES_ONLY:-}" ]; then
    for format in cloudfront combined; do
        python3 bench/gen_logs.py "$format" "$lines" "$work/$format.log"
        compare "$work/$format.log" "$format" "$work/program/partners.toml" "$format"
    done
fi

# The second, independent generator's shapes.
each_shape "${SHAPE_LINES:-2000000}" compare
[ -z "${SHAPES_ONLY:-}" ] || exit 0

echo "memory as the log grows (CloudFront; three runs each, as peak memory varies from run to run):"
for n in 500000 5000000; do
    python3 bench/gen_logs.py cloudfront "$n" "$work/m.log"
    settle "$work/m.log"
    peaks=()
    for run in 1 2 3; do
        measure "refstats, $n lines, run $run" "$refstats" --config "$work/program/partners.toml" --no-progress --out "$work/m" "$work/m.log"
        peaks+=("$rss")
    done
    eval "rss_$n=$(median "${peaks[@]}")"
    eval "low_$n=$(printf '%s\n' "${peaks[@]}" | sort -n | head -1)"
    eval "high_$n=$(printf '%s\n' "${peaks[@]}" | sort -n | tail -1)"
done
python3 -c "print(f'  5M / 500k peak memory, medians: {$rss_5000000 / $rss_500000:.2f} ($rss_5000000 / $rss_500000 MB); worst pairing: {$high_5000000 / $low_500000:.2f}')"
