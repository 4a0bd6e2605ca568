#!/bin/sh
# Heap allocations and instructions per operation for each codec, from valgrind: the count for
# 2N operations minus the count for N, divided by N, so start-up and fixtures cancel out.
# Instruction counts do not depend on machine load, unlike the ns/op of `wire-bench`.
# Usage: Benchmarks/counts.sh   (after `swift build -c release` in Benchmarks/; N=500 by default)
set -eu
cd "$(dirname "$0")"
BIN=.build/release/wire-bench
N=${N:-500}
allocs() {
    valgrind --tool=memcheck --leak-check=no "$BIN" run "$1" "$2" 2>&1 \
        | sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' | tr -d ,
}
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" run "$1" "$2" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '%-22s %12s %16s\n' case allocations/op instructions/op
for case in wire-encode wire-decode swiftprotobuf-encode swiftprotobuf-decode json-encode json-decode; do
    a1=$(allocs "$case" "$N"); a2=$(allocs "$case" $((N * 2)))
    i1=$(instructions "$case" "$N"); i2=$(instructions "$case" $((N * 2)))
    printf '%-22s %12d %16d\n' "$case" $(( (a2 - a1) / N )) $(( (i2 - i1) / N ))
done
