#!/usr/bin/env bash
# Commissions benchmark: a shop export of 1,000,000 orders and leads over the 10,000-partner
# program of gen_program.py, to the ledger, the balances and every partner's page figures,
# with refstats and with the same computation in DuckDB SQL (ledger_duckdb.py). Checks that
# both give the same balances and page figures, then prints wall time, peak memory and the
# ratio (DuckDB's time / refstats': above 1 means refstats is faster), on two shapes of data:
# partners' sales Zipf-distributed (a few partners sell most) and flat (all alike).
# Not a test: run it by hand and copy the figures into bench/README.md.
#
#   bench/commissions.sh [ORDERS]      # default 1000000
#
# Needs /usr/bin/time and python3 with duckdb (pip install duckdb).
set -euo pipefail
cd "$(dirname "$0")/.."
orders="${1:-1000000}"
. bench/common.sh

cargo build --quiet --profile bench -p refstats
refstats="$CARGO_TARGET_DIR/release/refstats"
as_of=2024-07-29
echo "$(nproc) cores; refstats $("$refstats" --version | cut -d' ' -f2), duckdb $(python3 -c 'import duckdb; print(duckdb.__version__)')"
for shape in zipf flat; do
    program="$work/$shape"
    python3 bench/gen_program.py "$program" 10000 20 5 > /dev/null
    python3 bench/gen_orders.py "$program" "$orders" 10000 7 "$shape"
    settle "$program/orders.csv"
    echo "$orders orders and leads, partners' sales $shape ($(du -h "$program/orders.csv" | cut -f1)):"
    measure "refstats --orders (one-off run)" "$refstats" --config "$program/partners.toml" --orders "$program/orders.csv" \
        --as-of "$as_of" --no-progress --out "$work/rs-$shape"
    rs_wall=$wall rs_rss=$rss
    measure "refstats --store (ingest and report)" "$refstats" --config "$program/partners.toml" --orders "$program/orders.csv" \
        --as-of "$as_of" --no-progress --store "$work/store-$shape"
    measure "DuckDB SQL" python3 bench/ledger_duckdb.py "$program" "$work/duck-$shape" "$as_of"
    python3 - "$work/rs-$shape" "$work/duck-$shape" "$rs_wall" "$wall" "$rs_rss" "$rss" <<'PY'
import csv, json, sys
rs, duck = sys.argv[1], sys.argv[2]
rw, dw, rr, dr = map(float, sys.argv[3:])
ours = {r["partner"]: (int(r["earned_minor"]), int(r["clawed_back_minor"]), int(r["pending_minor"]), int(r["payable_minor"]))
        for r in csv.DictReader(open(f"{rs}/balances.csv"))}
theirs = {r["partner"]: (int(r["earned"]), int(r["clawed_back"]), int(r["pending"]), int(r["payable"]))
          for r in csv.DictReader(open(f"{duck}/balances.csv"))}
pages = json.load(open(f"{rs}/partners.json"))["partners"]
windows = ["last_7_days", "last_30_days", "last_90_days", "all_time"]
ours_fig, theirs_fig = {}, {}
for p, s in pages.items():
    c = s.get("commissions")
    if c and any(c["own"][w]["orders"] or c["own"][w]["opt_ins"] for w in windows):
        ours_fig[p] = tuple((c["own"][w]["orders"], c["own"][w]["opt_ins"], c["own"][w]["commission"]) for w in windows)
for r in csv.DictReader(open(f"{duck}/figures.csv")):
    if r["link"] == "":
        theirs_fig[r["partner"]] = tuple((int(r[f"{w}_orders"]), int(r[f"{w}_opt_ins"]), int(r[f"{w}_commission"])) for w in windows)
if ours != theirs or ours_fig != theirs_fig:
    bad = [p for p in set(ours) | set(theirs) if ours.get(p) != theirs.get(p)][:5]
    badf = [p for p in set(ours_fig) | set(theirs_fig) if ours_fig.get(p) != theirs_fig.get(p)][:5]
    print(f"  DIFFERENT: balances {[(p, ours.get(p), theirs.get(p)) for p in bad]}; figures {[(p, ours_fig.get(p), theirs_fig.get(p)) for p in badf]}")
    sys.exit(1)
print(f"  same balances ({len(ours)} partners) and page figures; DuckDB / refstats: {dw / rw:.2f} in time, {dr / rr:.2f} in memory")
PY
done
