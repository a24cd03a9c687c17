#!/usr/bin/env python3
"""The commissions benchmark's ledger in DuckDB SQL: the same orders export and commission
structure as refstats (bench/gen_orders.py), the same rules (three levels by each earner's own
plan, a link override, rounding half away from zero per line, clawbacks in proportion to the
refund, a full refund of an unpaid line netted out, payable 30 days after the order), written as
the per-line table, the balances and each partner's figures over 7, 30, 90 days and all time.

usage: ledger_duckdb.py PROGRAM_DIR OUT_DIR AS_OF
"""
import os
import re
import sys

import duckdb

program, out, as_of = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)

# The partner tree and groups, read from the program's partner files.
rows = []
for name in sorted(os.listdir(os.path.join(program, "partners"))):
    text = open(os.path.join(program, "partners", name)).read()
    for block in text.split("[[partners]]")[1:]:
        block = block.split("[[partners.ads]]")[0]
        code = re.search(r'^code = "([^"]+)"', block, re.M).group(1)
        parent = re.search(r'^parent = "([^"]+)"', block, re.M)
        pro = re.search(r'^groups = \[.*"pro".*\]', block, re.M) is not None
        rows.append((code, parent.group(1) if parent else None, "pro" if pro else "standard"))

con = duckdb.connect()
con.execute("CREATE TABLE partners (code VARCHAR, parent VARCHAR, plan VARCHAR)")
con.executemany("INSERT INTO partners VALUES (?, ?, ?)", rows)
# Rates: percent in ten-thousandths of a percent, flat in cents.
con.execute("""CREATE TABLE rates AS SELECT * FROM (VALUES
    ('standard', 1, 100000, NULL, 100), ('standard', 2, 50000, NULL, NULL), ('standard', 3, NULL, 150, NULL),
    ('pro', 1, 150000, NULL, 200), ('pro', 2, 30000, NULL, NULL), ('pro', 3, 25000, NULL, NULL))
    AS t(plan, level, pct, flat, lead)""")
con.execute("CREATE TABLE link_overrides AS SELECT * FROM (VALUES ('standard', 'link03', 1, 200000)) AS t(plan, link, level, pct)")
con.execute(f"""
CREATE TABLE orders AS
SELECT order_id, kind, date, status,
       CAST(round(coalesce(amount, 0) * 100) AS BIGINT) AS amount,
       CAST(round(coalesce(refunded, 0) * 100) AS BIGINT) AS refunded,
       greatest(coalesce(refunded_at, date), date) AS refunded_at,
       partner, link
FROM read_csv('{program}/orders.csv', header = true, types = {{'amount': 'DECIMAL(18,2)', 'refunded': 'DECIMAL(18,2)', 'date': 'DATE', 'refunded_at': 'DATE'}})
""")
con.execute(f"""
CREATE TABLE lines AS
WITH credited AS (
    SELECT o.* FROM orders o JOIN partners p ON p.code = o.partner
    WHERE NOT (o.kind = 'order' AND o.status = 'cancelled')
),
chain AS (
    SELECT c.*, 1 AS level, c.partner AS earner FROM credited c
    UNION ALL
    SELECT c.*, 2, p.parent FROM credited c JOIN partners p ON p.code = c.partner WHERE p.parent IS NOT NULL
    UNION ALL
    SELECT c.*, 3, g.parent FROM credited c JOIN partners p ON p.code = c.partner
        JOIN partners g ON g.code = p.parent WHERE g.parent IS NOT NULL
),
rated AS (
    SELECT ch.*, e.plan, coalesce(lo.pct, r.pct) AS pct, CASE WHEN lo.pct IS NULL THEN r.flat END AS flat, r.lead
    FROM chain ch JOIN partners e ON e.code = ch.earner
    JOIN rates r ON r.plan = e.plan AND r.level = ch.level
    LEFT JOIN link_overrides lo ON lo.plan = e.plan AND lo.link = ch.link AND lo.level = ch.level
),
earned AS (
    SELECT *,
        CASE WHEN kind = 'lead' THEN lead
             WHEN pct IS NOT NULL THEN (CAST(amount AS HUGEINT) * pct * 2 + 1000000) // 2000000
             ELSE flat END AS commission,
        CASE WHEN status = 'pending' THEN NULL ELSE date + INTERVAL 30 DAY END AS payable_on
    FROM rated
)
SELECT earner AS partner, order_id, kind, level, date, refunded_at, amount, refunded, status, link,
       CAST(commission AS BIGINT) AS commission,
       CAST(CASE WHEN refunded > 0 THEN (CAST(commission AS HUGEINT) * refunded * 2 + amount) // (2 * amount) ELSE 0 END AS BIGINT) AS clawback,
       payable_on
FROM earned WHERE commission IS NOT NULL AND commission <> 0
""")
con.execute(f"""
CREATE TABLE balances AS
SELECT partner,
    sum(commission) AS earned,
    sum(clawback) AS clawed_back,
    sum(CASE WHEN clawback = commission THEN 0
             WHEN payable_on IS NULL OR payable_on > DATE '{as_of}' THEN commission - clawback ELSE 0 END) AS pending,
    sum(CASE WHEN clawback = commission THEN 0
             WHEN payable_on <= DATE '{as_of}' THEN commission - clawback ELSE 0 END) AS payable
FROM lines GROUP BY partner
""")
# A line counts in a window by its day: the order's, or the refund's for a clawback.
def within(day, days):
    since = f" AND {day} > DATE '{as_of}' - {days}" if days else ""
    return f"{day} <= DATE '{as_of}'{since}"


windows = {"last_7_days": 7, "last_30_days": 30, "last_90_days": 90, "all_time": None}
window_cols = ",\n".join(
    f"count(*) FILTER (WHERE kind = 'order' AND {within('date', d)}) AS {w}_orders, "
    f"count(*) FILTER (WHERE kind = 'lead' AND {within('date', d)}) AS {w}_opt_ins, "
    f"coalesce(sum(commission) FILTER (WHERE {within('date', d)}), 0)"
    f" - coalesce(sum(clawback) FILTER (WHERE {within('refunded_at', d)}), 0) AS {w}_commission"
    for w, d in windows.items()
)
con.execute(f"""
CREATE TABLE figures AS
SELECT partner, link, {window_cols}
FROM lines WHERE level = 1 GROUP BY GROUPING SETS ((partner), (partner, link))
""")
con.execute(f"COPY (SELECT * FROM lines ORDER BY partner, order_id, level) TO '{out}/commissions.csv' (HEADER)")
con.execute(f"COPY (SELECT * FROM balances ORDER BY partner) TO '{out}/balances.csv' (HEADER)")
con.execute(f"COPY (SELECT * FROM figures ORDER BY partner, link) TO '{out}/figures.csv' (HEADER)")
