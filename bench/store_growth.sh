#!/usr/bin/env bash
# Store growth benchmark: DAYS simulated days of the hourly stats job (examples/github-actions/
# stats.yml) at bench/store.sh's traffic (a 10,000-partner program, LINES_PER_DAY CloudFront
# lines a day, in hourly log files), run with the workflow's own commands once per hour on a
# fresh runner:
#
#   download  the store from its bucket: everything but the report, and of the report only
#             the days' partition.txt, inputs.sha256 and summary.json (a local folder stands
#             in for the bucket);
#   run       refstats --config partners.toml --store stats --no-progress logs/
#             over the log files of today (so far) and yesterday;
#   upload    new and changed files but the ledger, then the ledger (the store's commit), then
#             the store's files the new ledger no longer names (a file is uploaded when its
#             size or time changed, as `aws s3 sync` decides).
#
# The bucket's folder is also the `stats` folder of a git repository that commits it after
# every run: the design up to 0.1, where stats.yml committed the store into the program's
# repository every hour. Prints, every 10 days and at the end, that git history's packed size
# (packed as `git gc` packs it at the end), the bucket's size, and per hourly run (averaged since the previous line)
# the bytes downloaded and uploaded and refstats' wall time. Not a test: run it by hand and copy
# the figures into bench/README.md. Takes about two hours for 90 days on 2 cores.
#
#   bench/store_growth.sh [DAYS] [LINES_PER_DAY]     # default 90 50000
#
# Needs git and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
days="${1:-90}"
per_day="${2:-50000}"
. bench/common.sh

cargo build --quiet --profile bench -p refstats
refstats="$CARGO_TARGET_DIR/release/refstats"
python3 bench/gen_program.py "$work/program" 10000 20 5 > /dev/null

repo="$work/repo" logs="$work/logs" hourly="$work/hourly" runner="$work/runner"
bucket="$repo/stats"
mkdir -p "$repo" "$bucket" "$logs" "$hourly"
git -C "$repo" init -q
git -C "$repo" config user.name "stats bot"
git -C "$repo" config user.email "stats-bot@example.invalid"
# Loose objects stored fast: the figures are of the packed history, compressed as git packs it.
git -C "$repo" config core.looseCompression 1
cp -r "$work/program/." "$repo/"
git -C "$repo" add . && git -C "$repo" commit -q -m "The program"
# The history's packed size: the new objects packed every 10 days, all of it again at the end.
program_pack() { git -C "$repo" repack -d -q "$@" && git -C "$repo" count-objects -v | awk '/^size-pack/ {print $2 * 1024}'; }
base=$(program_pack)

# One day's CloudFront log, cut into the hourly files CloudFront delivers
# (<distribution>.YYYY-MM-DD-HH.<id>.gz), each with the format's header.
hourly_files() { # day number
    local d=$1 start=$((1714521600 + $1 * 86400))
    python3 bench/gen_logs.py cloudfront "$per_day" "$work/day.log" 10000 "$((d + 1))" "$start" 86400
    python3 - "$work/day.log" "$hourly" "$(date -u -d "@$start" +%F)" <<'PY'
import gzip, sys
src, out, day = sys.argv[1:]
header, hours = [], {}
for line in open(src, encoding="utf-8"):
    if line.startswith("#"):
        header.append(line)
    else:
        hours.setdefault(line.split("\t", 2)[1][:2], []).append(line)
for hour, lines in hours.items():
    with gzip.open(f"{out}/E2EXAMPLE.{day}-{hour}.{hour}a1b2c3.gz", "wt", encoding="utf-8") as f:
        f.writelines(header + lines)
PY
}

# The download and upload of stats.yml (see above); each prints the bytes it moved.
download() {
    python3 - "$bucket" "$runner/stats" <<'PY'
import os, shutil, sys
src, dst, moved = *sys.argv[1:], 0
for d, _, names in os.walk(src):
    for n in names:
        rel = os.path.relpath(os.path.join(d, n), src)
        kept = rel.endswith("/partition.txt") or rel in ("report/inputs.sha256", "report/summary.json")
        if rel.startswith("report/") and not kept:
            continue
        os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
        shutil.copy2(os.path.join(src, rel), os.path.join(dst, rel))
        moved += os.path.getsize(os.path.join(src, rel))
print(moved)
PY
}
upload() {
    python3 - "$runner/stats" "$bucket" <<'PY'
import os, shutil, sys
src, dst = sys.argv[1:]
def files(root):
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            out[os.path.relpath(p, root)] = os.stat(p)
    return out
have, want, sent = files(dst), files(src), 0
# The workflow leaves the store's cache out (a runner starts without it, so it makes every
# report in full).
changed = [r for r, s in want.items() if r != ".lock" and not r.startswith("cache/")
           and (r not in have or have[r].st_size != s.st_size or have[r].st_mtime_ns != s.st_mtime_ns)]
for rel in sorted(changed, key=lambda r: r == "ledger.json"):
    os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
    shutil.copy2(os.path.join(src, rel), os.path.join(dst, rel))
    sent += want[rel].st_size
for rel in have:
    if rel not in want and not rel.startswith("report/"):
        os.remove(os.path.join(dst, rel))
print(sent)
PY
}

echo "store growth: $days days of hourly runs, $per_day CloudFront lines a day, 10,000 partners"
echo "  store in git: the repository's packed history, grown by the hourly commits of the store"
echo "  store in a bucket (stats.yml now): git grows by nothing; the bucket's size and each run's transfers"
printf '  %4s %16s %12s %14s %14s %9s\n' day "store in git" bucket "down per run" "up per run" "run (s)"
downloaded=0 uploaded=0 runs=0 micros=0 # since the last figures printed
for d in $(seq 0 $((days - 1))); do
    hourly_files "$d"
    today=$(date -u -d "@$((1714521600 + d * 86400))" +%F)
    yesterday=$(date -u -d "@$((1714521600 + (d - 1) * 86400))" +%F)
    for h in $(seq -w 0 23); do
        # The workflow's download: the files of today (up to this hour) and of yesterday.
        rm -rf "$logs" && mkdir -p "$logs"
        for f in "$hourly"/E2EXAMPLE."$yesterday"-*.gz "$hourly"/E2EXAMPLE."$today"-*.gz; do
            [ -e "$f" ] || continue
            name=${f##*/} hour=${f#*."$today"-}
            [[ "$f" == *".$today-"* && "${hour:0:2}" > "$h" ]] && continue
            ln -s "$f" "$logs/$name"
        done
        rm -rf "$runner" && mkdir -p "$runner"
        downloaded=$((downloaded + $(download)))
        start=${EPOCHREALTIME/./}
        (cd "$runner" && "$refstats" --config "$repo/partners.toml" --store stats --no-progress \
            --as-of "$today" "$logs" > /dev/null 2>&1) || [ $? -eq 1 ]
        micros=$((micros + ${EPOCHREALTIME/./} - start))
        uploaded=$((uploaded + $(upload)))
        git -C "$repo" add -A stats
        git -C "$repo" diff --cached --quiet || git -C "$repo" commit -q -m "Click statistics: hourly run"
        runs=$((runs + 1))
    done
    # Older files are never downloaded again (the workflow takes two days).
    rm -f "$hourly"/E2EXAMPLE."$yesterday"-*.gz
    if [ $(((d + 1) % 10)) -eq 0 ] || [ "$d" -eq $((days - 1)) ]; then
        git_bytes=$(($(program_pack $([ "$d" -eq $((days - 1)) ] && echo -a)) - base))
        bucket_bytes=$(du -sb --exclude=.lock "$bucket" | cut -f1)
        python3 - "$((d + 1))" "$git_bytes" "$bucket_bytes" "$downloaded" "$uploaded" "$runs" "$micros" <<'PY'
import sys
day, git, bucket, down, up, runs, micros = map(int, sys.argv[1:])
mb = lambda b: f"{b / 1e6:,.1f} MB"
print(f"  {day:>4} {mb(git):>16} {mb(bucket):>12} {mb(down / runs):>14} {mb(up / runs):>14} {micros / runs / 1e6:>9.2f}")
PY
        downloaded=0 uploaded=0 runs=0 micros=0
    fi
done
