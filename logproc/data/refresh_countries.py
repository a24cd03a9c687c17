#!/usr/bin/env python3
"""Makes refstats' embedded address-to-country tables from the CSV files of the npm package
@ip-location-db/geo-whois-asn-country (regional internet registry data, published under
CC BY 4.0 by the NRO; see docs/refstats.md, "Breakdowns").

    npm pack @ip-location-db/geo-whois-asn-country && tar xzf ip-location-db-*.tgz
    python3 logproc/data/refresh_countries.py package/

writes logproc/data/country-ipv4.bin and country-ipv6.bin: sorted records of a range's first
address (big-endian, 4 or 16 bytes) and its two-letter country code, where `--` starts a gap.
Adjacent ranges of the same country are joined, so the files are about half the CSV's rows.
"""

import os
import sys


def ranges(path):
    with open(path) as f:
        for line in f:
            start, end, country = line.strip().split(",")
            yield int(start), int(end), country


def table(path, width):
    out = bytearray()
    last_end = None
    last_country = None
    for start, end, country in sorted(ranges(path)):
        if len(country) != 2 or not country.isalpha():
            country = "--"
        if last_end is not None and start <= last_end:
            start = last_end + 1
            if start > end:
                continue
        if last_end is not None and start > last_end + 1:
            if last_country != "--":
                out += (last_end + 1).to_bytes(width, "big") + b"--"
            last_country = "--"
        if country != last_country:
            out += start.to_bytes(width, "big") + country.upper().encode()
            last_country = country
        last_end = end
    if last_end is not None and last_end + 1 < 1 << (8 * width):
        out += (last_end + 1).to_bytes(width, "big") + b"--"
    return bytes(out)


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "package"
    here = os.path.dirname(os.path.abspath(__file__))
    for version, width in (("ipv4", 4), ("ipv6", 16)):
        data = table(os.path.join(source, f"geo-whois-asn-country-{version}-num.csv"), width)
        with open(os.path.join(here, f"country-{version}.bin"), "wb") as f:
            f.write(data)
        print(f"country-{version}.bin: {len(data) // (width + 2)} ranges, {len(data)} bytes")


main()
