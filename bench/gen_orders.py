#!/usr/bin/env python3
"""Writes a shop export (the generic CSV) and the commission structure for the commissions
benchmark, for the 10,000-partner program of gen_program.py.

usage: gen_orders.py PROGRAM_DIR ORDERS [PARTNERS] [SEED] [SHAPE]

Appends [commissions] (3 levels; a standard and a group plan; percent and flat rates; a link
override; a 30-day holding period; a minimum payout) to PROGRAM_DIR/partners.toml, and writes
PROGRAM_DIR/orders.csv with ORDERS orders and leads over 90 days. SHAPE is the popularity of
partners: `zipf` (a few partners sell most, the default) or `flat` (every partner alike).
Statuses: 83% paid, 5% pending, 5% refunded, 4% partially refunded, 1% cancelled; 10% of the
rows are leads; 1% name a partner the program does not have. Amounts 5.00 to 500.00.
"""
import datetime
import os
import random
import sys

out = sys.argv[1]
n = int(sys.argv[2])
partners = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
shape = sys.argv[5] if len(sys.argv) > 5 else "zipf"
rng = random.Random(seed)

with open(os.path.join(out, "partners.toml"), "a") as f:
    f.write("""
[commissions]
currency = "USD"
levels = 3
default_plan = "standard"
payout = "on-payment"
holding_days = 30
minimum_payout = "50.00"

[[commissions.plans]]
code = "standard"
name = "Standard"

[[commissions.plans.levels]]
sale = "10%"
lead = "1.00"

[[commissions.plans.levels]]
sale = "5%"

[[commissions.plans.levels]]
sale = "1.50"

[[commissions.plans.overrides]]
link = "link03"
sale = ["20%"]

[[commissions.plans]]
code = "pro"
name = "Pro"
priority = 10
groups = ["pro"]

[[commissions.plans.levels]]
sale = "15%"
lead = "2.00"

[[commissions.plans.levels]]
sale = "3%"

[[commissions.plans.levels]]
sale = "2.5%"
""")

weights = [1 / (i + 1) for i in range(partners)] if shape == "zipf" else None
order = list(range(partners))
rng.shuffle(order)
first = datetime.date(2024, 5, 1)
chosen = rng.choices(order, weights=weights, k=n)
with open(os.path.join(out, "orders.csv"), "w") as f:
    f.write("order_id,date,kind,status,amount,refunded,refunded_at,currency,email,partner,link,ad,sku\n")
    for i, p in enumerate(chosen):
        day = first + datetime.timedelta(days=rng.randrange(90))
        partner = f"p{p:05}" if rng.random() >= 0.01 else f"x{p:05}"
        link = f"link{rng.randrange(20):02}"
        email = f"c{rng.randrange(300_000)}@example.net"
        if rng.random() < 0.10:
            f.write(f"L{i},{day},lead,,,,,,{email},{partner},{link},,\n")
            continue
        cents = rng.randrange(500, 50_001)
        amount = f"{cents // 100}.{cents % 100:02}"
        r = rng.random()
        status, refunded, refunded_at = "paid", "", ""
        if r < 0.05:
            status = "pending"
        elif r < 0.10:
            status, refunded, refunded_at = "refunded", amount, str(day + datetime.timedelta(days=5))
        elif r < 0.14:
            part = rng.randrange(1, cents)
            refunded, refunded_at = f"{part // 100}.{part % 100:02}", str(day + datetime.timedelta(days=7))
        elif r < 0.15:
            status = "cancelled"
        f.write(f"O{i},{day},order,{status},{amount},{refunded},{refunded_at},USD,{email},{partner},{link},,\n")
