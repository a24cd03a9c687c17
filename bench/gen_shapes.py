#!/usr/bin/env python3
"""A second, independent log generator for the refstats benchmark: traffic of other shapes
than gen_logs.py's, so that a speed-up tuned on one shape is checked on others.

usage: gen_shapes.py SHAPE FORMAT LINES OUT

SHAPE is one of
  few-partners   40 partners, 8 links, 3 ads; 1,500,000 visitors seen about once each
  many-partners  20,000 partners, 4 links, no ads; 5,000 visitors who click a lot
  bot-heavy      500 partners, 12 links, 2 ads; 45% of requests from bots and link previews
FORMAT is cloudfront (33 fields, with the header) or combined. Requests spread over 30 days.
Codes are those of gen_program.py's program (p00000.., link00.., ad0..): run it with the
shape's counts (`gen_shapes.py SHAPE program` prints them).

It differs from gen_logs.py on purpose: uniform or Pareto popularity instead of Zipf tables,
a 30-day span, query strings, many distinct user agents (versions vary), referrers, and
percent-encoded CloudFront user agents with spaces written as %20.
"""
import random
import sys
import time

SHAPES = {
    # partners, links, ads, visitors, bot share
    "few-partners": (40, 8, 3, 1_500_000, 0.05),
    "many-partners": (20_000, 4, 0, 5_000, 0.08),
    "bot-heavy": (500, 12, 2, 100_000, 0.45),
}
CF_FIELDS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
             "cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol "
             "cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type "
             "cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte "
             "x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end")
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_{v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; SM-S9{v}B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
]
BOTS = [
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "WhatsApp/2.24.{v}.A",
    "TelegramBot (like TwitterBot)",
    "python-requests/2.{v}.0",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "",
]
REFERRERS = ["-", "https://www.instagram.com/", "https://t.co/abc", "https://mail.example.net/inbox", "-", "-"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def main():
    shape = SHAPES[sys.argv[1]]
    partners, links, ads, visitors, bot_share = shape
    if sys.argv[2] == "program":
        print(partners, links, ads)
        return
    fmt, lines, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    rng = random.Random(20261127)
    start = 1_717_200_000  # 2024-06-01T00:00:00Z
    span = 30 * 86_400
    with open(out, "w", buffering=1 << 20) as f:
        if fmt == "cloudfront":
            f.write("#Version: 1.0\n#Fields: " + CF_FIELDS + "\n")
        for i in range(lines):
            t = start + span * i // lines
            r = rng.random()
            # Pareto-shaped partner popularity, uniform visitors.
            p = min(int(rng.paretovariate(1.2)) - 1, partners - 1)
            v = rng.randrange(visitors)
            ip = f"{(v >> 16) % 223 + 1}.{(v >> 8) % 256}.{v % 256}.{(v * 7) % 254 + 1}"
            method, status = "GET", 302
            if r < bot_share:
                agent = BOTS[v % len(BOTS)].format(v=v % 40)
            else:
                agent = BROWSERS[v % len(BROWSERS)].format(v=100 + v % 30)
            if rng.random() < 0.03:
                method = "HEAD"
            path = f"/go/link{rng.randrange(links):02}/p{p:05}"
            if ads and rng.random() < 0.5:
                path += f"/ad{rng.randrange(ads)}"
            query = "utm_source=news&utm_medium=email" if rng.random() < 0.2 else "-"
            x = rng.random()
            if x < 0.04:
                path, status = "/favicon.ico", 200
            elif x < 0.06:
                status = 404
            referrer = REFERRERS[i % len(REFERRERS)]
            if fmt == "cloudfront":
                # Tracking links are answered by the CloudFront Function ("Redirect" would be
                # CloudFront's own http-to-https redirect).
                result = "FunctionGeneratedResponse" if status == 302 else "Hit"
                g = time.gmtime(t)
                line = "\t".join([
                    f"{g.tm_year:04}-{g.tm_mon:02}-{g.tm_mday:02}", f"{g.tm_hour:02}:{g.tm_min:02}:{g.tm_sec:02}",
                    "ARN56-P1", "512", ip, method, "d2abc.cloudfront.net", path, str(status), referrer,
                    agent.replace(" ", "%20") or "-", query, "-", result, f"r{i:012x}", "go.example.com",
                    "https", "180", "0.002", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", result, "HTTP/2.0", "-",
                    "-", "50000", "0.002", result, "text/html", "0", "-", "-",
                ])
            else:
                g = time.gmtime(t)
                stamp = f"{g.tm_mday:02}/{MONTHS[g.tm_mon - 1]}/{g.tm_year}:{g.tm_hour:02}:{g.tm_min:02}:{g.tm_sec:02} +0000"
                target = path if query == "-" else f"{path}?{query}"
                line = f'{ip} - - [{stamp}] "{method} {target} HTTP/1.1" {status} 0 "{referrer}" "{agent or "-"}"'
            f.write(line + "\n")


if __name__ == "__main__":
    main()
