#!/usr/bin/env python3
"""The refstats aggregation done by the tools a user would pick instead, for the benchmark.

usage: others.py duckdb|polars cloudfront|combined LOG OUT.csv

Per (day, link, partner, ad) on /go/ paths (without their query) answered with a 3xx: clicks (GET, not a bot),
unique clicks (distinct client address and user agent among them), bot hits (GET by a bot),
HEAD hits. Bots are matched with the same patterns refstats uses (read from its source).
"""
import os
import re
import sys

engine, fmt, log, out = sys.argv[1:5]
here = os.path.dirname(os.path.abspath(__file__))
source = open(os.path.join(here, "..", "logproc", "src", "bots.rs"), encoding="utf-8").read()
BOTS = "|".join(re.findall(r'(?<![A-Za-z])r"([^"\n]+)"', source))
CF_COLUMNS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
              "cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol "
              "cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type "
              "cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte "
              "x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end").split()
COMBINED = r'^(\S+) \S+ \S+ \[(\d\d)/(\w\w\w)/(\d{4}):[^\]]*\] "(\S+) (\S+)[^"]*" (\d{3}) \S+ "[^"]*" "([^"]*)"'

if engine == "duckdb":
    import duckdb
    con = duckdb.connect()
    if fmt == "cloudfront":
        cols = ", ".join(f"'{c}': 'VARCHAR'" for c in CF_COLUMNS)
        source_sql = f"""
            SELECT "date" AS day, "c-ip" AS ip, "cs-method" AS method, "cs-uri-stem" AS path,
                   TRY_CAST("sc-status" AS INTEGER) AS status,
                   url_decode(url_decode("cs(User-Agent)")) AS ua
            FROM read_csv('{log}', delim='\t', header=false, comment='#', quote='', escape='', auto_detect=false,
                          columns={{{cols}}})"""
    else:
        source_sql = f"""
            SELECT strftime(strptime(regexp_extract(line, '{COMBINED}', 2) || ' ' || regexp_extract(line, '{COMBINED}', 3)
                                     || ' ' || regexp_extract(line, '{COMBINED}', 4), '%d %b %Y'), '%Y-%m-%d') AS day,
                   regexp_extract(line, '{COMBINED}', 1) AS ip, regexp_extract(line, '{COMBINED}', 5) AS method,
                   split_part(regexp_extract(line, '{COMBINED}', 6), '?', 1) AS path,
                   TRY_CAST(regexp_extract(line, '{COMBINED}', 7) AS INTEGER) AS status,
                   regexp_extract(line, '{COMBINED}', 8) AS ua
            FROM read_csv('{log}', delim='\x01', header=false, quote='', escape='', columns={{'line': 'VARCHAR'}})"""
    con.execute(f"""
        COPY (
        WITH r AS ({source_sql}),
        t AS (
            SELECT day, split_part(path, '/', 3) AS link, split_part(path, '/', 4) AS partner,
                   split_part(path, '/', 5) AS ad, method, ip, ua,
                   (ua = '' OR ua = '-' OR regexp_matches(ua, '{BOTS}', 'i')) AS bot
            FROM r WHERE method IN ('GET', 'HEAD') AND path LIKE '/go/%' AND status BETWEEN 300 AND 399)
        SELECT day, link, partner, ad,
               count(*) FILTER (WHERE method = 'GET' AND NOT bot) AS clicks,
               count(DISTINCT ip || chr(255) || ua) FILTER (WHERE method = 'GET' AND NOT bot) AS unique_clicks,
               count(*) FILTER (WHERE method = 'GET' AND bot) AS bot_hits,
               count(*) FILTER (WHERE method = 'HEAD') AS head_hits
        FROM t GROUP BY ALL ORDER BY ALL) TO '{out}' (HEADER, DELIMITER ',')""")
else:
    import polars as pl
    if fmt == "cloudfront":
        frame = pl.scan_csv(log, separator="\t", has_header=False, comment_prefix="#", quote_char=None,
                            new_columns=CF_COLUMNS, schema_overrides={c: pl.String for c in CF_COLUMNS})
        r = frame.select(
            pl.col("date").alias("day"), pl.col("c-ip").alias("ip"), pl.col("cs-method").alias("method"),
            pl.col("cs-uri-stem").alias("path"), pl.col("sc-status").cast(pl.Int32, strict=False).alias("status"),
            pl.col("cs(User-Agent)").str.replace_all("%2520", " ", literal=True).str.replace_all("%20", " ", literal=True)
            .alias("ua"))
    else:
        frame = pl.scan_csv(log, separator="\x01", has_header=False, quote_char=None, new_columns=["line"],
                            schema_overrides={"line": pl.String})
        g = pl.col("line").str.extract_groups(COMBINED)
        r = frame.select(g.alias("g")).unnest("g").select(
            pl.concat_str([pl.col("2"), pl.col("3"), pl.col("4")], separator=" ").str.strptime(pl.Date, "%d %b %Y")
            .dt.strftime("%Y-%m-%d").alias("day"),
            pl.col("1").alias("ip"), pl.col("5").alias("method"), pl.col("6").str.split("?").list.first().alias("path"),
            pl.col("7").cast(pl.Int32, strict=False).alias("status"), pl.col("8").alias("ua"))
    parts = pl.col("path").str.split("/")
    t = r.filter(pl.col("method").is_in(["GET", "HEAD"]) & pl.col("path").str.starts_with("/go/")
                 & pl.col("status").is_between(300, 399)).with_columns(
        parts.list.get(2, null_on_oob=True).fill_null("").alias("link"),
        parts.list.get(3, null_on_oob=True).fill_null("").alias("partner"),
        parts.list.get(4, null_on_oob=True).fill_null("").alias("ad"),
        ((pl.col("ua") == "") | (pl.col("ua") == "-") | pl.col("ua").str.contains("(?i)" + BOTS)).alias("bot"))
    click = (pl.col("method") == "GET") & ~pl.col("bot")
    res = t.group_by("day", "link", "partner", "ad").agg(
        click.sum().alias("clicks"),
        pl.concat_str([pl.col("ip"), pl.col("ua")], separator="\xff").filter(click).n_unique().alias("unique_clicks"),
        ((pl.col("method") == "GET") & pl.col("bot")).sum().alias("bot_hits"),
        (pl.col("method") == "HEAD").sum().alias("head_hits"),
    ).sort("day", "link", "partner", "ad").collect()
    res.write_csv(out)
