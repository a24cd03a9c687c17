#!/usr/bin/env bash
# What the breakdowns cost: refstats with `--breakdowns none` and `--breakdowns all` on the same
# log, alternating (each first in turn), PAIRS pairs per log (default 5), with the medians and
# their ratio (in wall time, and in CPU time: user and system, both cores); on gen_logs.py's
# CloudFront and combined logs (LINES lines, default 2000000, the 10,000-partner program) and on
# gen_shapes.py's three shapes (SHAPE_LINES lines, default 1000000). Quicker than bench/stats.sh,
# which runs the same two beside DuckDB and polars, three rounds. With BASELINE set to another
# refstats binary (an earlier build, say), each pair also runs `--breakdowns all` with it, its
# cost taken against this build's `none` (the same work when a change touches only the
# breakdowns): a change's cost before and after, side by side on the same machine state. Not a
# test: run it by hand and copy the figures into bench/README.md.
#
#   bench/breakdowns.sh
#   BASELINE=/tmp/refstats-before bench/breakdowns.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh

pairs="${PAIRS:-5}"
cargo build --quiet --profile bench -p refstats
refstats="$CARGO_TARGET_DIR/release/refstats"
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
fastest() { printf '%s\n' "$@" | sort -n | head -n 1; }
ratio() { python3 -c "print(f'{$1 / $2:.3f}')"; }

one_run() { # which (none, all or baseline), log, format, program: one measured run, its figures
    # added to the caller's lists
    case "$1" in
        none)
            measure "none" "$refstats" --config "$4" --format "$3" --no-progress --breakdowns none --out "$work/none" "$2"
            none_walls+=("$wall"); none_peaks+=("$rss"); none_cpus+=("$cpu") ;;
        all)
            measure "all" "$refstats" --config "$4" --format "$3" --no-progress --breakdowns all --out "$work/all" "$2"
            all_walls+=("$wall"); all_peaks+=("$rss"); all_cpus+=("$cpu") ;;
        baseline)
            measure "all, baseline" "$BASELINE" --config "$4" --format "$3" --no-progress --breakdowns all --out "$work/base" "$2"
            base_walls+=("$wall"); base_cpus+=("$cpu") ;;
    esac
}

cost() { # log, format, program, label
    local log="$1" format="$2" config="$3" label="$4"
    settle "$log"
    echo "$label: $(wc -l < "$log") lines, $pairs pairs"
    local none_walls=() all_walls=() none_peaks=() all_peaks=() none_cpus=() all_cpus=()
    local base_walls=() base_cpus=()
    local runs=(none all) pair i
    if [ -n "${BASELINE:-}" ]; then runs+=(baseline); fi
    for pair in $(seq "$pairs"); do
        # Each run goes first in turn: on this machine a run right after another refstats run
        # was measured slower than one after a pause, which favoured whichever ran first.
        for i in $(seq 0 $((${#runs[@]} - 1))); do
            one_run "${runs[$(( (i + pair) % ${#runs[@]} ))]}" "$log" "$format" "$config"
        done
    done
    local none all none_min all_min
    none="$(median "${none_walls[@]}")"; all="$(median "${all_walls[@]}")"
    none_min="$(fastest "${none_walls[@]}")"; all_min="$(fastest "${all_walls[@]}")"
    printf '  medians: none %.2f s, %d MB; all %.2f s, %d MB; cost %s\n' "$none" "$(median "${none_peaks[@]}")" \
        "$all" "$(median "${all_peaks[@]}")" "$(ratio "$all" "$none")"
    # The fastest run of each is the one least disturbed by the rest of the machine.
    printf '  fastest: none %.2f s, all %.2f s; cost %s\n' "$none_min" "$all_min" \
        "$(ratio "$all_min" "$none_min")"
    # The CPU time (user and system, both cores) the breakdowns add: what they cost wherever
    # the cores have other work, and less disturbed than wall time by the rest of the machine.
    local none_cpu all_cpu
    none_cpu="$(median "${none_cpus[@]}")"; all_cpu="$(median "${all_cpus[@]}")"
    printf '  CPU, medians: none %.2f s, all %.2f s; cost %s\n' "$none_cpu" "$all_cpu" \
        "$(ratio "$all_cpu" "$none_cpu")"
    if [ -n "${BASELINE:-}" ]; then
        local base base_cpu
        base="$(median "${base_walls[@]}")"; base_cpu="$(median "${base_cpus[@]}")"
        printf '  baseline, medians: all %.2f s, %.2f s CPU; cost %s, in CPU time %s\n' "$base" "$base_cpu" \
            "$(ratio "$base" "$none")" "$(ratio "$base_cpu" "$none_cpu")"
    fi
    rm -f "$log"
}

python3 bench/gen_program.py "$work/program" 10000 20 5 > /dev/null
for format in cloudfront combined; do
    python3 bench/gen_logs.py "$format" "${LINES:-2000000}" "$work/$format.log"
    cost "$work/$format.log" "$format" "$work/program/partners.toml" "gen_logs, $format"
done
each_shape "${SHAPE_LINES:-1000000}" cost
