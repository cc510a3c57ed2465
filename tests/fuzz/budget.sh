#!/bin/sh
# budget.sh: runs each libFuzzer target of a --enable-fuzzers build (ASan +
# UBSan) for a budget, then minimises its corpus, and prints a table of what
# each target did: executions, seconds, edges covered, corpus before and
# after, and whether it found anything. `make fuzz` runs it.
#
# Environment:
#   FUZZ_TARGETS   the targets' paths, in the build tree (make sets them)
#   FUZZ_CORPUS    the committed corpora, tests/fuzz/corpus (make sets it)
#   FUZZ_RUNS      executions per target (default 10000000)
#   FUZZ_SECONDS   at most this long per target (default 3600): a target
#                  stops at whichever of the two comes first
#   FUZZ_JOBS      targets run at once (default: the number of CPUs)
#   FUZZ_UPDATE=1  write each minimised corpus back to FUZZ_CORPUS (to be
#                  committed); default 0: the source tree is not touched
#   FUZZ_WORK      where corpora, logs and crashes go (default fuzz-work)
# A finding (crash, leak, timeout, out of memory) leaves its input in
# FUZZ_WORK/NAME/crash-* and makes the script exit 1.
set -eu
LC_ALL=C
export LC_ALL

: "${FUZZ_TARGETS:?FUZZ_TARGETS is not set; run make fuzz}"
: "${FUZZ_CORPUS:?FUZZ_CORPUS is not set; run make fuzz}"
FUZZ_RUNS=${FUZZ_RUNS:-10000000}
FUZZ_SECONDS=${FUZZ_SECONDS:-3600}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
FUZZ_UPDATE=${FUZZ_UPDATE:-0}
FUZZ_WORK=${FUZZ_WORK:-fuzz-work}

die() { echo "budget.sh: $*" >&2; exit 2; }
for n in FUZZ_RUNS FUZZ_SECONDS FUZZ_JOBS; do
	eval "v=\$$n"
	case $v in ''|*[!0-9]*|0) die "$n=$v is not a positive number" ;; esac
done
for t in $FUZZ_TARGETS; do
	[ -x "$t" ] || die "$t is not built; run make fuzz"
	# A replay driver build has no libFuzzer flags to take.
	"$t" -help=1 2>&1 | grep -q -- '-max_total_time' ||
	    die "$t is no libFuzzer target: configure with" \
	    "CC=clang ./configure --enable-fuzzers"
done
mkdir -p "$FUZZ_WORK"

# one TARGET: the run, the minimisation, the target's row in NAME.row.
one() {
	_t=$1
	_n=$(basename "$_t")
	_c=${_n#fuzz_}
	_w=$FUZZ_WORK/$_n
	rm -rf "$_w"
	mkdir -p "$_w/corpus" "$_w/min"
	if [ -d "$FUZZ_CORPUS/$_c" ]; then
		cp "$FUZZ_CORPUS/$_c"/* "$_w/corpus/" 2>/dev/null || true
	fi
	_before=$(find "$_w/corpus" -type f | wc -l)
	_s0=$(date +%s)
	_rc=0
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
	    "$_t" -runs="$FUZZ_RUNS" -max_total_time="$FUZZ_SECONDS" \
	    -max_len=16384 -timeout=25 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$_w/" "$_w/corpus" \
	    >"$_w/run.log" 2>&1 || _rc=$?
	_s=$(( $(date +%s) - _s0 ))
	_execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    "$_w/run.log" | tail -n 1)
	_cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$_w/run.log" | tail -n 1)
	"$_t" -merge=1 "$_w/min" "$_w/corpus" >"$_w/merge.log" 2>&1 || true
	_after=$(find "$_w/min" -type f | wc -l)
	if [ "$_rc" -eq 0 ] && ! ls "$_w"/crash-* "$_w"/leak-* \
	    "$_w"/timeout-* "$_w"/oom-* >/dev/null 2>&1; then
		_res=clean
		if [ "$FUZZ_UPDATE" = 1 ] && [ "$_after" -gt 0 ]; then
			rm -rf "$FUZZ_CORPUS/$_c"
			mkdir -p "$FUZZ_CORPUS/$_c"
			cp "$_w/min"/* "$FUZZ_CORPUS/$_c/"
		fi
	else
		_res="FOUND (exit $_rc; see $_w/run.log)"
	fi
	printf '%-18s %12s %7s %6s %6s %6s  %s\n' "$_n" "${_execs:-?}" \
	    "$_s" "${_cov:-?}" "$_before" "$_after" "$_res" >"$_w.row"
}

echo "fuzz: each target at most $FUZZ_RUNS executions or $FUZZ_SECONDS s," \
    "$FUZZ_JOBS at a time, ASan + UBSan" >&2
running=0
for t in $FUZZ_TARGETS; do
	echo "fuzz: $(basename "$t") ..." >&2
	one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$FUZZ_JOBS" ]; then	# POSIX sh: in batches
		wait
		running=0
	fi
done
wait

printf '%-18s %12s %7s %6s %6s %6s  %s\n' target executions seconds edges \
    corpus minimised result
status=0
for t in $FUZZ_TARGETS; do
	row=$FUZZ_WORK/$(basename "$t").row
	cat "$row"
	grep -q ' clean$' "$row" || status=1
done
exit $status
