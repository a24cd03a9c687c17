#!/usr/bin/env bash
# Stats store benchmark: the hourly run of `refstats --store` over a store that already holds
# 90 days of a 10,000-partner program, with one new hour of CloudFront logs. Prints its wall
# time and peak memory beside the one-off runs a user would do without a store (every log of
# the 90 days again, and the new hour alone), and the ratios. Not a test: run it by hand and
# copy the figures into bench/README.md.
#
#   bench/store.sh [LINES_PER_DAY]     # default 50000
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
measure "hourly run (one new hour)" "$refstats" "${common[@]}" --store "$work/store" "$work/logs" "$work/new"
hourly_wall=$wall hourly_rss=$rss
measure "next hour, no new log yet" "$refstats" "${common[@]}" --store "$work/store" "$work/logs" "$work/new"
grep -q "is up to date" "$work/stdout" || { echo "  the report was made again"; exit 1; }
du -sh "$work/store" | awk '{print "  store size: " $1}'
measure "no store: every log again" "$refstats" "${common[@]}" --out "$work/oneoff" "$work/logs" "$work/new"
every_wall=$wall every_rss=$rss
measure "no store: the new hour alone" "$refstats" "${common[@]}" --out "$work/hour" "$work/new"
python3 - "$hourly_wall" "$hourly_rss" "$every_wall" "$every_rss" "$wall" "$rss" <<'PY'
import sys
hw, hr, ew, er, fw, fr = map(float, sys.argv[1:])
print(f"  hourly run / run over every log: {hw / ew:.2f} in time, {hr / er:.2f} in memory")
print(f"  hourly run / fresh run over the same hour: {hw / fw:.1f} in time, {hr / fr:.1f} in memory")
PY
# The store's report (per-day files) has the rows of the one-off report over the same logs.
if cmp -s <(tail -q -n +2 "$work"/store/report/days/*/daily.csv | sort) <(tail -n +2 "$work/oneoff/daily.csv" | sort) \
    && cmp -s "$work/store/report/by_partner.csv" "$work/oneoff/by_partner.csv"; then
    echo "  the store's report has the same rows as the run over every log"
else
    echo "  DIFFERENT rows from the run over every log"; exit 1
fi
