#!/usr/bin/env bash
# Map and reduce benchmark: one CloudFront log over the 10,000-partner program, counted by one
# refstats run, then split into PARTS map tasks (`refstats --map`, run one after the other, each
# with every core) and merged by `refstats --partials` and by the Spark job
# (engines/spark/refstats_reduce.py, local mode on this machine's cores). Prints wall time,
# peak RSS and sizes, the map's cost per GB of log, and checks that both reduces give one run's
# rows. Not a test: run it by hand and copy the figures into bench/README.md.
#
#   bench/map_reduce.sh [LINES] [PARTS]      # default 5000000 lines, 4 parts
#
# Needs /usr/bin/time and the PySpark that ./test.sh installs (or REFCENTER_SPARK_SUBMIT).
set -euo pipefail
cd "$(dirname "$0")/.."
lines="${1:-5000000}"
parts="${2:-4}"
. bench/common.sh

cargo build --quiet --profile bench -p refstats
refstats="$CARGO_TARGET_DIR/release/refstats"
submit="${REFCENTER_SPARK_SUBMIT:-$HOME/.cache/refcenter/tools/spark-venv/bin/spark-submit}"
[ -x "$submit" ] || { echo "error: $submit is missing; run ./test.sh once, or set REFCENTER_SPARK_SUBMIT" >&2; exit 2; }
python3 bench/gen_program.py "$work/program" 10000 20 5 > /dev/null
config="$work/program/partners.toml"

log="$work/cloudfront.log"
python3 bench/gen_logs.py cloudfront "$lines" "$log"
bytes=$(stat -c %s "$log")
# The parts: line ranges of the log, each with the log's two header lines.
mkdir -p "$work/parts"
tail -n +3 "$log" > "$work/parts/body"
split -n "l/$parts" -d "$work/parts/body" "$work/parts/body-"
rm "$work/parts/body"
i=0
for body in "$work"/parts/body-*; do
    { head -n 2 "$log"; cat "$body"; } > "$work/parts/part-$i.log"
    rm "$body"
    i=$((i + 1))
done
settle "$log"
for p in "$work"/parts/part-*.log; do settle "$p"; done
echo "$(nproc) cores; $lines CloudFront lines, $(du -h "$log" | cut -f1), in $parts parts"

measure "refstats, one run" "$refstats" --config "$config" --no-progress --out "$work/one-run" "$log"
one_wall=$wall

map_wall=0
map_peak=0
mkdir -p "$work/partials"
for ((i = 0; i < parts; i++)); do
    measure "refstats --map, part $i" "$refstats" --config "$config" --no-progress --map "$work/partials/part-$i.parquet" "$work/parts/part-$i.log"
    map_wall=$(python3 -c "print($map_wall + $wall)")
    [ "$rss" -gt "$map_peak" ] && map_peak=$rss
done
partial_bytes=$(du -cb "$work"/partials/*.parquet | tail -1 | cut -f1)
python3 - "$map_wall" "$bytes" "$partial_bytes" "$(nproc)" "$one_wall" "$map_peak" <<'PY'
import sys
wall, size, partial, cores, one, peak = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
gb = size / 1e9
print(f"  map: {wall:.2f} s for {gb:.2f} GB: {wall / gb:.2f} s per GB on {cores} cores "
      f"({wall * cores / gb:.1f} core-seconds per GB), peak {peak} MB a task; one run {one:.2f} s")
print(f"  partials: {partial / 1e6:.1f} MB ({100 * partial / size:.1f}% of the log)")
PY

measure "refstats --partials (reduce)" "$refstats" --config "$config" --no-progress --partials --out "$work/reduced" "$work"/partials/*.parquet
measure "refstats --program-table" "$refstats" --config "$config" --program-table "$work/program.parquet"
spark_bin="$(dirname "$submit")"
measure "Spark reduce, local[$(nproc)]" env PATH="$spark_bin:$PATH" "$submit" --master "local[$(nproc)]" \
    --driver-memory 4g --conf spark.ui.enabled=false "$PWD/engines/spark/refstats_reduce.py" \
    --partials "$work/partials" --program "$work/program.parquet" --out "$work/spark" --formats csv

python3 - "$work" <<'PY'
import csv, filecmp, glob, json, os, sys
work = sys.argv[1]
tables = ["daily", "by_day", "by_link_partner_ad", "by_partner", "by_partner_day", "by_partner_link", "by_link", "by_ad", "by_parent"]
def rows(path):
    files = sorted(glob.glob(os.path.join(path, "part-*.csv"))) if os.path.isdir(path) else [path]
    out = []
    for i, f in enumerate(files):
        with open(f, newline="") as h:
            r = list(csv.reader(h))
        out.extend(r if i == 0 else r[1:])
    return out
same_reduce = all(filecmp.cmp(f"{work}/one-run/{t}.csv", f"{work}/reduced/{t}.csv", shallow=False) for t in tables)
same_spark = all(rows(f"{work}/one-run/{t}.csv") == rows(f"{work}/spark/{t}.csv") for t in tables)
pages = lambda d: json.load(open(f"{work}/{d}/partners.json"))
print("  refstats --partials:", "same bytes as one run" if same_reduce and pages("one-run") == pages("reduced") else "DIFFERENT from one run")
print("  Spark:", "same rows as one run" if same_spark and pages("one-run") == pages("spark") else "DIFFERENT from one run")
PY
