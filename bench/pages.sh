#!/usr/bin/env bash
# Page-generation benchmark: refgen build on a generated program (default 10,000 partners x
# 20 links x 5 ads), wall time and peak memory, side by side with Hugo rendering the same
# partner pages from precomputed data. Not a test: run it by hand and copy the figures into
# bench/README.md.
#
#   bench/pages.sh [PARTNERS] [LINKS] [ADS]
#
# Needs /usr/bin/time (Debian package `time`) and, for the comparison, `hugo` (Debian package
# `hugo`); without hugo, only refgen is measured.
set -euo pipefail
cd "$(dirname "$0")/.."
partners="${1:-10000}" links="${2:-20}" ads="${3:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/refcenter/bench-target}"  # as bench/common.sh
work="$(mktemp -d "${TMPDIR:-/tmp}/refcenter-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cargo build --quiet --profile bench -p refgen
refgen="$CARGO_TARGET_DIR/release/refgen"
python3 bench/gen_program.py "$work/program" "$partners" "$links" "$ads"
export REFGEN_SECRET="benchmark-secret-not-for-production"

measure() { # label, command...: prints "label: wall s, peak RSS MB" and remembers the wall time
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/stdout" 2> "$work/stderr" || {
        cat "$work/stderr"; exit 1; }
    read -r wall rss < "$work/time"
    printf '%-34s %8.2f s  %8.0f MB peak RSS\n' "$label" "$wall" "$((rss / 1024))"
    last_wall="$wall"
}

echo "program: $partners partners x $links links x $ads ads; $(nproc) cores"
measure "refgen check (render, no writes)" "$refgen" check --config "$work/program/partners.toml"
measure "refgen build (cold output)" "$refgen" build --config "$work/program/partners.toml" --out "$work/out"
refgen_wall="$last_wall"
measure "refgen build (replacing output)" "$refgen" build --config "$work/program/partners.toml" --out "$work/out"
tail -1 "$work/stdout"
echo "output: $(du -sh "$work/out" | cut -f1) in $(find "$work/out" -type f | wc -l) files; partner pages $(du -sh "$work/out/public/p" | cut -f1)"
files_mb() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f MB in %d files", s / 1e6, NR }'; }
echo "public site (what the host publishes): $(files_mb "$work/out/public") ($(du -sh "$work/out/public" | cut -f1) on disk with folders)"
echo "largest page: $(find "$work/out/public/p" -type f -printf '%s\n' | sort -n | tail -1) bytes"

# With 90 days of click figures (as a store's report holds them) for every partner.
python3 bench/gen_figures.py "$work/figures" "$partners" "$links" "$ads"
echo "click figures: $(du -h "$work/figures/partners.json" | cut -f1) partners.json"
measure "refgen build (with click figures)" "$refgen" build --config "$work/program/partners.toml" \
    --stats "$work/figures" --out "$work/out-figures"
rm -rf "$work/out-figures" "$work/figures"

# The same program with `single_page = true`: one file per Partner Center.
sed 's/^\[program\]$/[program]\nsingle_page = true/' "$work/program/partners.toml" > "$work/program/partners-single.toml"
measure "refgen build (single_page = true)" "$refgen" build --config "$work/program/partners-single.toml" --out "$work/out-single"
echo "public site with single_page: $(files_mb "$work/out-single/public") ($(du -sh "$work/out-single/public" | cut -f1) on disk with folders)"
rm -rf "$work/out-single"

# Each target alone: `refgen check` compiles its rules (and renders the pages in memory), so it
# prints how many rules the target holds, or refuses the program with the host's limit.
echo "per target (refgen check with that target alone):"
for target in cloudfront nginx apache caddy netlify vercel cloudflare-pages html; do
    sed "s/^targets = .*/targets = [\"$target\"]/" "$work/program/partners.toml" > "$work/program/partners-$target.toml"
    /usr/bin/time -f "%e %M" -o "$work/time" "$refgen" check --config "$work/program/partners-$target.toml" \
        > "$work/stdout" 2> "$work/stderr" || true
    # time writes "Command exited with non-zero status 1" first when check refuses the program.
    read -r wall rss < <(tail -n 1 "$work/time")
    answer=$(grep -ho "redirect rules: .*; nothing" "$work/stdout" | sed 's/; nothing$//' || true)
    [ -n "$answer" ] || answer=$(grep -m1 "^error:" "$work/stderr" || true)
    printf '  %-17s %7.2f s %6d MB  %s\n' "$target" "$wall" "$((rss / 1024))" "$answer"
done

if command -v hugo > /dev/null; then
    python3 bench/hugo_site.py "$work/out" "$work/hugo" > /dev/null
    measure "hugo (same partner pages)" hugo --quiet --source "$work/hugo" --destination "$work/hugo/public"
    hugo_wall="$last_wall"
    echo "hugo rendered $(find "$work/hugo/public/p" -name index.html | wc -l) partner and downline pages ($(du -sh "$work/hugo/public/p" | cut -f1)); $(hugo version | cut -d' ' -f1-2)"
    python3 -c "print(f'ratio: hugo / refgen build = {$hugo_wall / $refgen_wall:.2f} (above 1: refgen is faster)')"
fi
