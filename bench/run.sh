#!/usr/bin/env bash
# Runs every bench/bench_*.sh in name order; each prints a Markdown section on stdout.
# The sections, under a header naming the machine, become BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
{
    echo "# Benchmarks"
    echo
    echo "Produced by \`make bench\` on $(date -u +%Y-%m-%d): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
    echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB. Each section names the command that produced it."
    for b in bench/bench_*.sh; do
        [ -x "$b" ] || continue
        echo
        "$b"
    done
} >"$out"
mv "$out" BENCHMARKS.md
cat BENCHMARKS.md
