# ca_lib.sh: what the kalit-ca benchmarks (ca_issue.sh, crl.sh) share (POSIX
# sh, sourced). The script sets BENCH_NAME before, and after sourcing calls
# bench_workdir once. (lib.sh is for the benchmarks that run servers.)
set -eu
LC_ALL=C
export LC_ALL

say() { printf '%s\n' "$BENCH_NAME: $*" >&2; }
die() { say "error: $*"; exit 1; }

case $(date +%N) in *[!0-9]*|'') die "date +%N unsupported: GNU date is needed" ;; esac

# Peak RSS through GNU time when there is one.
GNU_TIME=
if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null
then
	GNU_TIME=/usr/bin/time
else
	say "no GNU /usr/bin/time: peak RSS is not reported (apt-get install time)"
fi

# bench_workdir: makes the work directory W (under BENCH_TMP, else TMPDIR,
# else /tmp), removed at exit unless KEEP=1, and its log file LOG.
bench_workdir() {
	W=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/kalit-bench.XXXXXX") ||
	    die "mktemp failed"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	LOG=$W/log
	: > "$LOG"
}
bench_cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then
		say "work directory kept: $W"
	else
		rm -rf "$W"
	fi
}

now() { date +%s.%N; }
# calc T0 T1 [DIV [MUL]]: (T1 - T0) * MUL / DIV, 3 decimals
calc() { awk -v a="$1" -v b="$2" -v d="${3:-1}" -v m="${4:-1}" \
    'BEGIN { printf "%.3f", (b - a) * m / d }'; }

# measure NAME CMD...: runs CMD; sets M_SEC (wall seconds) and M_RSS (peak
# RSS in KB, or "-"). The caller redirects its output.
measure() {
	_name=$1
	shift
	_t0=$(now)
	if [ -n "$GNU_TIME" ]; then
		"$GNU_TIME" -f %M -o "$W/$_name.rss" "$@" ||
		    die "$_name failed (status $?); see $LOG"
	else
		"$@" || die "$_name failed (status $?); see $LOG"
	fi
	_t1=$(now)
	M_SEC=$(calc "$_t0" "$_t1")
	M_RSS=-
	if [ -n "$GNU_TIME" ]; then
		M_RSS=$(tail -n 1 "$W/$_name.rss")
	fi
}

mb() { awk -v k="$1" 'BEGIN { if (k == "-") print "-"; else printf "%.1f MB", k / 1024 }'; }
fsize() { wc -c < "$1" | tr -d ' '; }

# bench_kalit_ca: KALIT_CA made absolute and checked, KALIT_PROFILE_DIR
# checked and exported, the caller's KALIT_CA_DIR forgotten.
bench_kalit_ca() {
	case $KALIT_CA in
	/*) ;;
	*/*) KALIT_CA=$(pwd)/$KALIT_CA ;;
	*) KALIT_CA=$(command -v "$KALIT_CA") || die "kalit-ca not found" ;;
	esac
	[ -x "$KALIT_CA" ] || die "$KALIT_CA: not an executable; build it or set KALIT_CA"
	[ -d "$KALIT_PROFILE_DIR" ] || die "$KALIT_PROFILE_DIR: no such directory; set KALIT_PROFILE_DIR"
	command -v "$OPENSSL" >/dev/null 2>&1 || die "$OPENSSL not found"
	export KALIT_PROFILE_DIR
	unset KALIT_CA_DIR
}

# bench_sizes MIN: SIZES is numbers of at least MIN, ascending, not empty.
bench_sizes() {
	_prev=$(($1 - 1))
	for _s in $SIZES; do
		case $_s in ''|*[!0-9]*) die "SIZES: \"$_s\" is not a number" ;; esac
		[ "$_s" -gt "$_prev" ] ||
		    die "SIZES must be ascending, from $1: $SIZES"
		_prev=$_s
	done
	[ "$_prev" -ge "$1" ] || die "SIZES is empty"
}
