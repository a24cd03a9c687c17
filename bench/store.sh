#!/usr/bin/env bash
# Stats store benchmark: the hourly run of `refstats --store` over a store that already holds
# 90 days of a 10,000-partner program, with one new hour of CloudFront logs. Prints its wall
# time and peak memory beside the one-off runs a user would do without a store (every log of
# the 90 days again, and the new hour alone), and the ratios. The hourly run and the hour
# alone are measured in PAIRS alternating pairs (default 5), each hourly run on a copy of the
# filled store written to disk first (the state an hourly job finds), and compared by their
# medians: one run of either is a few tenths of a second, and this machine's noise is as much.
# Not a test: run it by hand and copy the figures into bench/README.md.
#
#   [PAIRS=5] bench/store.sh [LINES_PER_DAY]     # default 50000
#
# Needs /usr/bin/time and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
per_day="${1:-50000}"
days=90
. bench/common.sh

cargo build --quiet --profile bench -p refstats
refstats="$CARGO_TARGET_DIR/release/refstats"
python3 bench/gen_program.py "$work/program" 10000 20 5 > /dev/null

first=1714521600 # 2024-05-01
mkdir -p "$work/logs" "$work/new"
for d in $(seq 0 $((days - 1))); do
    python3 bench/gen_logs.py cloudfront "$per_day" "$work/logs/day$(printf %03d "$d").log" 10000 "$((d + 1))" \
        "$((first + d * 86400))" 86400
done
# The new hour: the last hour of the last day, so that day's partition is merged and rewritten.
last=$((first + (days - 1) * 86400 + 23 * 3600))
python3 bench/gen_logs.py cloudfront "$((per_day / 24))" "$work/new/hour.log" 10000 999 "$last" 3600
as_of=$(date -u -d "@$last" +%F)
echo "refstats --store: $days days of $per_day lines (10,000 partners), then one hour of $((per_day / 24)) lines"
common=(--config "$work/program/partners.toml" --as-of "$as_of" --no-progress)
measure "fill the store (90 days at once)" "$refstats" "${common[@]}" --store "$work/store" "$work/logs"
cp -a "$work/store" "$work/filled"
hourly=() alone=()
for pair in $(seq "${PAIRS:-5}"); do
    rm -rf "$work/store" "$work/hour"
    cp -a "$work/filled" "$work/store"
    sync
    measure "hourly run (one new hour), $pair" "$refstats" "${common[@]}" --store "$work/store" "$work/logs" "$work/new"
    grep -q "brought up to date" "$work/stdout" || { echo "  the report was made in full"; exit 1; }
    hourly+=("$wall $rss")
    measure "no store: the new hour alone, $pair" "$refstats" "${common[@]}" --out "$work/hour" "$work/new"
    alone+=("$wall $rss")
done
medians() { # "wall rss" pairs: their median wall time and median peak RSS
    printf '%s\n' "$@" | python3 -c "import sys, statistics as s; r = [l.split() for l in sys.stdin]; print(s.median(float(w) for w, _ in r), s.median(float(m) for _, m in r))"
}
read -r hourly_wall hourly_rss < <(medians "${hourly[@]}")
read -r fresh_wall fresh_rss < <(medians "${alone[@]}")
printf '  %-34s %8.3f s %8d MB peak RSS\n' "hourly run, median" "$hourly_wall" "${hourly_rss%.*}"
printf '  %-34s %8.3f s %8d MB peak RSS\n' "the new hour alone, median" "$fresh_wall" "${fresh_rss%.*}"
# The report brought up to date in place is the one a run made in full writes.
cp -a "$work/filled" "$work/full"
"$refstats" "${common[@]}" --store "$work/full" --full-report "$work/logs" "$work/new" > /dev/null 2>&1
if diff -r -q "$work/store/report" "$work/full/report" > /dev/null; then
    echo "  the report brought up to date in place is byte for byte the one made in full"
else
    echo "  the report brought up to date in place DIFFERS from the one made in full"; exit 1
fi
rm -rf "$work/full" "$work/filled"
measure "next hour, no new log yet" "$refstats" "${common[@]}" --store "$work/store" "$work/logs" "$work/new"
grep -q "is up to date" "$work/stdout" || { echo "  the report was made again"; exit 1; }
du -sh "$work/store" | awk '{print "  store size: " $1}'
measure "no store: every log again" "$refstats" "${common[@]}" --out "$work/oneoff" "$work/logs" "$work/new"
every_wall=$wall every_rss=$rss
python3 - "$hourly_wall" "$hourly_rss" "$every_wall" "$every_rss" "$fresh_wall" "$fresh_rss" <<'PY'
import sys
hw, hr, ew, er, fw, fr = map(float, sys.argv[1:])
print(f"  hourly run / run over every log: {hw / ew:.2f} in time, {hr / er:.2f} in memory")
print(f"  hourly run / fresh run over the same hour (medians): {hw / fw:.2f} in time, {hr / fr:.2f} in memory")
PY
# The store's report (per-day files) has the rows of the one-off report over the same logs.
if cmp -s <(tail -q -n +2 "$work"/store/report/days/*/daily.csv | sort) <(tail -n +2 "$work/oneoff/daily.csv" | sort) \
    && cmp -s "$work/store/report/by_partner.csv" "$work/oneoff/by_partner.csv"; then
    echo "  the store's report has the same rows as the run over every log"
else
    echo "  DIFFERENT rows from the run over every log"; exit 1
fi
