"""The reduce of refstats' map and reduce, as a Spark job.

Map tasks (`refstats --map PART.parquet LOGS...`, one per group of log objects, on any batch
runner) turn logs into partials; `refstats --program-table program.parquet` writes the codes and
partner tree. This job merges any number of partials from any path Spark reads (local folders,
s3a://, gs://, abfss://) and writes the report tables and the partner pages' figures that
`refstats` writes from the same logs: the same rows, in the same order.

    spark-submit refstats_reduce.py --partials s3a://bucket/partials/ \
        --program s3a://bucket/program.parquet --out s3a://bucket/report/ [--as-of YYYY-MM-DD]

Each table is a folder of part files per format (`daily.csv/part-*.csv`, `daily.parquet/`),
sorted across its parts in part-name order; `partners.json` and `summary.json` are single files.
Parsing, the click rules, bot rules and visitor ids stay in refstats: this job only adds up
counts and counts distinct visitor ids, exactly (no approximate distinct counts).
"""

import argparse
import datetime
import json

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

# The windows of the partner pages, in days back from as_of (None: all time), and their names.
WINDOWS = [(7, "last_7_days"), (30, "last_30_days"), (90, "last_90_days"), (None, "all_time")]
# How many days the partner pages' daily chart covers, ending on as_of.
CHART_DAYS = 90
COUNTS = ["clicks", "unique_clicks", "bot_hits", "head_hits"]
# The breakdown dimensions, in refstats' table order, and how many values a partner's page keeps.
DIMENSIONS = ["source", "device", "os", "browser", "country", "referrer"]
TOP_VALUES = 5
FORMATS = ("csv", "parquet")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--partials", nargs="+", required=True, help="partial files or folders of them")
    p.add_argument("--program", required=True, help="the file refstats --program-table wrote")
    p.add_argument("--out", required=True, help="the report folder (replaced)")
    p.add_argument("--as-of", help="the last day of the pages' windows (default: the last day with a hit)")
    p.add_argument("--formats", default="csv,parquet", help="csv and/or parquet, comma-separated")
    args = p.parse_args(argv)
    args.formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    for f in args.formats:
        if f not in FORMATS:
            p.error(f"--formats: {f} is not one of {', '.join(FORMATS)}")
    if args.as_of:
        try:
            datetime.date.fromisoformat(args.as_of)
        except ValueError:
            p.error(f"--as-of {args.as_of}: expected YYYY-MM-DD")
    return args


def day_before(day: str, days: int) -> str:
    """The first day of the `days` days ending on `day`."""
    return (datetime.date.fromisoformat(day) - datetime.timedelta(days=days - 1)).isoformat()


class Program:
    """The program's codes and downline pairs, as refstats --program-table wrote them."""

    def __init__(self, spark: SparkSession, path: str):
        table = spark.read.parquet(path)
        rows = table.collect()
        self.name = next((r["code"] for r in rows if r["kind"] == "program"), "")
        self.links = spark.createDataFrame(
            [(r["code"],) for r in rows if r["kind"] == "link"], "link string"
        ).withColumn("known_link", F.lit(True))
        self.partner_codes = sorted(r["partner"] for r in rows if r["kind"] == "partner")
        self.partners = spark.createDataFrame(
            [(c,) for c in self.partner_codes], "partner string"
        ).withColumn("known_partner", F.lit(True))
        self.ads = spark.createDataFrame(
            [(r["partner"], r["code"]) for r in rows if r["kind"] == "ad"], "partner string, ad string"
        ).withColumn("known_ad", F.lit(True))
        self.downline = spark.createDataFrame(
            [(r["partner"], r["code"]) for r in rows if r["kind"] == "downline"], "parent string, member string"
        )

    def flag(self, df: DataFrame, flags) -> DataFrame:
        """`df` with the `known_*` columns named in `flags`."""
        for flag in flags:
            if flag == "known_link":
                df = df.join(F.broadcast(self.links), "link", "left")
            elif flag == "known_partner":
                df = df.join(F.broadcast(self.partners), "partner", "left")
            else:
                df = df.join(F.broadcast(self.ads), ["partner", "ad"], "left")
                df = df.withColumn("known_ad", F.col("known_ad") | (F.col("ad") == F.lit("")))
            df = df.withColumn(flag, F.coalesce(F.col(flag), F.lit(False)))
        return df


class Counted:
    """The merged partials: hits per (day, link, partner, ad) and the distinct visits."""

    def __init__(self, spark: SparkSession, paths):
        # Counts are unsigned 64-bit in the files, which Spark reads as decimals: they fit a long.
        rows = spark.read.parquet(*paths).withColumn("hits", F.col("hits").cast("long"))
        key = ["day", "link", "partner", "ad"]
        self.accounting = rows.filter(F.col("day") == "").groupBy("kind", "reason").agg(F.sum("hits").alias("n"))
        self.bots = rows.filter(F.col("kind") == "bot").groupBy("reason").agg(F.sum("hits").alias("n"))
        hits = rows.filter(F.col("kind").isin("clicks", "head", "bot"))
        self.hits = hits.groupBy(*key).agg(
            F.sum(F.when(F.col("kind") == "clicks", F.col("hits")).otherwise(0)).alias("clicks"),
            F.sum(F.when(F.col("kind") == "bot", F.col("hits")).otherwise(0)).alias("bot_hits"),
            F.sum(F.when(F.col("kind") == "head", F.col("hits")).otherwise(0)).alias("head_hits"),
        ).cache()
        # A visitor seen on the same (day, key) by two map tasks is one visit.
        # Visitor ids are unsigned 64-bit too: mapped one to one onto longs, which Spark hashes
        # and compares faster than decimals.
        signed = F.expr(
            "CAST(IF(visitor >= 9223372036854775808BD, visitor - 18446744073709551616BD, visitor) AS BIGINT)"
        )
        visits = rows.filter(F.col("kind") == "visitor").select(*key, signed.alias("visitor"))
        self.visits = visits.distinct().cache()
        # Breakdown rows: the dimension is the kind, the value the reason.
        self.breakdowns = (
            rows.filter(F.col("kind").isin(*DIMENSIONS))
            .groupBy(*key, F.col("kind").alias("dimension"), F.col("reason").alias("value"))
            .agg(F.sum("hits").alias("clicks"))
            .cache()
        )


def rollup(hits: DataFrame, visits: DataFrame, by) -> DataFrame:
    """Hits summed by the columns `by`, with the distinct visitors as unique_clicks."""
    sums = hits.groupBy(*by).agg(*(F.sum(c).alias(c) for c in ["clicks", "bot_hits", "head_hits"]))
    uniques = visits.groupBy(*by).agg(F.countDistinct("visitor").alias("unique_clicks"))
    return (
        sums.join(uniques, list(by), "left")
        .withColumn("unique_clicks", F.coalesce(F.col("unique_clicks"), F.lit(0)))
        .select(*by, *COUNTS)
    )


def downline(program: Program, hits: DataFrame, visits: DataFrame, by=()) -> DataFrame:
    """Per parent (and the columns `by`), its downline members' clicks and distinct visitors
    (not its own)."""
    pairs = F.broadcast(program.downline)
    to_parents = lambda df: df.join(pairs, df["partner"] == pairs["member"]).drop("partner", "member")
    group = ["parent", *by]
    sums = to_parents(hits.groupBy("partner", *by).agg(F.sum("clicks").alias("clicks"))).groupBy(*group).agg(
        F.sum("clicks").alias("clicks")
    )
    uniques = to_parents(visits.select("partner", *by, "visitor")).groupBy(*group).agg(
        F.countDistinct("visitor").alias("unique_clicks")
    )
    return (
        sums.join(uniques, group, "left")
        .withColumn("unique_clicks", F.coalesce(F.col("unique_clicks"), F.lit(0)))
        .withColumnRenamed("parent", "partner")
    )


class Report:
    """Writes tables and single files under the output folder, through Hadoop's file system
    (so the same code writes to a local folder or an object store)."""

    def __init__(self, spark: SparkSession, out: str, formats):
        self.spark, self.out, self.formats = spark, out.rstrip("/"), formats
        jvm = spark._jvm
        self.path = lambda name: jvm.org.apache.hadoop.fs.Path(f"{self.out}/{name}" if name else self.out)
        self.fs = self.path("").getFileSystem(spark._jsc.hadoopConfiguration())
        self.fs.delete(self.path(""), True)

    def table(self, name: str, df: DataFrame, order, hidden=()):
        df = df.orderBy(*order).drop(*hidden)
        for f in self.formats:
            writer = df.write.mode("overwrite")
            if f == "csv":
                writer.option("header", True).option("emptyValue", "").csv(f"{self.out}/{name}.csv")
            else:
                writer.parquet(f"{self.out}/{name}.parquet")

    def file(self, name: str, text: str):
        stream = self.fs.create(self.path(name), True)
        stream.write(bytearray(text.encode("utf-8")))
        stream.close()


def page_stats(program: Program, counted: Counted, by_partner_day, as_of, first_day):
    """The partner pages' figures (partners.json), as refstats computes them."""
    known = set(program.partner_codes)
    # Each row once per window holding its day (`window`), so that every window is counted in
    # one aggregation instead of one each.
    in_windows = F.array_compact(
        F.array(
            *(
                F.lit(name)
                if days is None
                else F.when((F.col("day") >= day_before(as_of, days)) & (F.col("day") <= as_of), F.lit(name))
                for days, name in WINDOWS
            )
        )
    )
    hits = counted.hits.withColumn("window", F.explode(in_windows))
    visits = counted.visits.withColumn("window", F.explode(in_windows))
    own, team, links, ads = {}, {}, {}, {}
    for r in rollup(hits, visits, ["window", "partner"]).collect():
        if r["partner"] in known:
            own.setdefault(r["partner"], {})[r["window"]] = (r["clicks"], r["unique_clicks"])
    for r in downline(program, hits, visits, ["window"]).collect():
        team.setdefault(r["partner"], {})[r["window"]] = (r["clicks"], r["unique_clicks"])
    for r in rollup(hits, visits, ["window", "partner", "link"]).collect():
        links.setdefault(r["partner"], {}).setdefault(r["link"], {})[r["window"]] = (r["clicks"], r["unique_clicks"])
    with_ad = hits.filter(F.col("ad") != ""), visits.filter(F.col("ad") != "")
    for r in rollup(*with_ad, ["window", "partner", "ad"]).collect():
        ads.setdefault(r["partner"], {}).setdefault(r["ad"], {})[r["window"]] = (r["clicks"], r["unique_clicks"])

    def windows(figures):
        return {
            name: {"clicks": figures.get(name, (0, 0))[0], "unique_clicks": figures.get(name, (0, 0))[1]}
            for _, name in WINDOWS
        }

    def all_time_clicks(figures):
        return figures.get("all_time", (0, 0))[0]

    # Each partner's clicks per (dimension, value) in each window; its pages keep the top ones.
    shares = {}
    per_window = counted.breakdowns.withColumn("window", F.explode(in_windows))
    for r in per_window.groupBy("partner", "dimension", "window", "value").agg(F.sum("clicks").alias("n")).collect():
        shares.setdefault(r["partner"], {}).setdefault(r["dimension"], {}).setdefault(r["window"], []).append(
            (r["value"], r["n"])
        )

    def top(values):
        # Most clicks first, then by value (byte order, as refstats sorts).
        ordered = sorted(values, key=lambda v: (-v[1], v[0].encode("utf-8")))
        return [{"value": v, "clicks": n} for v, n in ordered[:TOP_VALUES]]

    chart_from = day_before(as_of, CHART_DAYS)
    daily = {}
    for r in by_partner_day.filter(
        (F.col("clicks") > 0) & (F.col("day") >= chart_from) & (F.col("day") <= as_of)
    ).collect():
        daily.setdefault(r["partner"], {})[r["day"]] = {"clicks": r["clicks"], "unique_clicks": r["unique_clicks"]}
    partners = {}
    for code in sorted(known):
        mine, theirs = own.get(code, {}), team.get(code, {})
        # A partner whose only hits were bots has nothing to show.
        if all_time_clicks(mine) == 0 and all_time_clicks(theirs) == 0:
            continue
        stats = {"own": windows(mine)}
        if all_time_clicks(theirs) > 0:
            stats["downline"] = windows(theirs)
        for kind, table in (("links", links), ("ads", ads)):
            per = table.get(code, {})
            stats[kind] = {c: windows(f) for c, f in sorted(per.items()) if all_time_clicks(f) > 0}
        stats["daily"] = dict(sorted(daily.get(code, {}).items()))
        if code in shares:
            stats["breakdowns"] = {
                dim: {name: top(shares[code][dim].get(name, [])) for _, name in WINDOWS}
                for dim in sorted(shares[code])
            }
        partners[code] = stats
    return {"as_of": as_of, "first_day": first_day, "partners": partners}


def main(argv=None):
    args = parse_args(argv)
    spark = SparkSession.builder.appName("refstats reduce").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    program = Program(spark, args.program)
    counted = Counted(spark, args.partials)
    report = Report(spark, args.out, args.formats)
    hits, visits = counted.hits, counted.visits
    span = hits.agg(F.min("day").alias("first"), F.max("day").alias("last")).first()
    as_of = args.as_of or span["last"] or datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    all_flags = ["known_link", "known_partner", "known_ad"]
    key = ["link", "partner", "ad"]

    # The finest rows: their unique clicks are their distinct visitors.
    daily = rollup(hits, visits, ["day", *key])
    report.table("daily", program.flag(daily, all_flags).select("day", *key, *COUNTS, *all_flags), ["day", *key])
    report.table("by_day", rollup(hits, visits, ["day"]), ["day"])
    by_key = program.flag(rollup(hits, visits, key), all_flags).select(*key, *COUNTS, *all_flags)
    report.table("by_link_partner_ad", by_key, key)
    by_partner = rollup(hits, visits, ["partner"]).cache()
    report.table("by_partner", program.flag(by_partner, ["known_partner"]), ["partner"])
    by_partner_day = rollup(hits, visits, ["partner", "day"]).cache()
    report.table("by_partner_day", program.flag(by_partner_day, ["known_partner"]), ["partner", "day"])
    by_partner_link = program.flag(rollup(hits, visits, ["partner", "link"]), ["known_partner", "known_link"])
    report.table("by_partner_link", by_partner_link.select("partner", "link", *COUNTS, "known_partner", "known_link"),
                 ["partner", "link"])
    report.table("by_link", program.flag(rollup(hits, visits, ["link"]), ["known_link"]), ["link"])
    with_ad = rollup(hits.filter(F.col("ad") != ""), visits.filter(F.col("ad") != ""), ["partner", "ad"])
    report.table("by_ad", program.flag(with_ad, ["known_ad"]).select("partner", "ad", *COUNTS, "known_ad"),
                 ["partner", "ad"])
    # Every partner with a downline: its own clicks and unique clicks, and its downline's.
    parents = program.downline.select(F.col("parent").alias("partner")).distinct()
    team = downline(program, hits, visits).select(
        "partner", F.col("clicks").alias("downline_clicks"), F.col("unique_clicks").alias("downline_unique_clicks")
    )
    by_parent = (
        parents.join(by_partner.select("partner", "clicks", "unique_clicks"), "partner", "left")
        .join(team, "partner", "left")
        .fillna(0, ["clicks", "unique_clicks", "downline_clicks", "downline_unique_clicks"])
    )
    report.table("by_parent", by_parent, ["partner"])

    # Breakdowns over the period: the whole program's, per partner, per link and per ad.
    rank = F.array_position(F.array(*(F.lit(d) for d in DIMENSIONS)), F.col("dimension")).alias("rank")
    b = counted.breakdowns
    for name, by, rows in (
        ("breakdown", [], b),
        ("breakdown_by_partner", ["partner"], b),
        ("breakdown_by_link", ["link"], b),
        ("breakdown_by_partner_ad", ["partner", "ad"], b.filter(F.col("ad") != "")),
    ):
        sums = rows.groupBy(*by, "dimension", "value").agg(F.sum("clicks").alias("clicks")).select("*", rank)
        report.table(name, sums, [*by, "rank", F.col("clicks").desc(), "value"], ["rank"])

    stats = page_stats(program, counted, by_partner_day, as_of, span["first"])
    report.file("partners.json", json.dumps(stats, ensure_ascii=False, separators=(",", ":")) + "\n")
    accounting = {(r["kind"], r["reason"]): r["n"] for r in counted.accounting.collect()}
    bots = {r["reason"]: r["n"] for r in counted.bots.orderBy("reason").collect()}
    totals = hits.agg(F.sum("clicks").alias("clicks"), F.sum("head_hits").alias("head")).first()
    summary = {
        "run": {
            "program": program.name,
            "first_day": span["first"],
            "last_day": span["last"],
            "as_of": as_of,
            "bot_hits": bots,
        },
        "accounting": {
            "lines": accounting.get(("lines", ""), 0),
            "clicks": totals["clicks"] or 0,
            "head_hits": totals["head"] or 0,
            "bot_hits": bots,
            "filtered": {r: n for (k, r), n in sorted(accounting.items()) if k == "filtered"},
            "rejected": {r: n for (k, r), n in sorted(accounting.items()) if k == "rejected"},
            "partials": args.partials,
        },
    }
    report.file("summary.json", json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    spark.stop()


if __name__ == "__main__":
    main()
