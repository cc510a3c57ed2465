# toollib.sh: what the tests of build-aux's checkers share (layers.sh,
# docs.sh, lint.sh): a scratch directory, the count of cases, and expect,
# which runs the checker $tool and judges its exit status and output.
# Sourced; the test sets tool after it.
set -u
LC_ALL=C
export LC_ALL

top=$(cd "$(dirname "$0")/.." && pwd)
pass=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kalit-tool.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

ok() {
	pass=$((pass + 1))
	echo "ok - $*"
}

fail() {
	failed=$((failed + 1))
	echo "FAIL - $*"
	sed 's/^/    /' "$tmp/out"
	return 1
}

# expect STATUS TEXT DESCRIPTION ARGS...: "$tool" ARGS exits with STATUS
# and its output has the line TEXT (a fixed string; "" for any).
expect() {
	want=$1 text=$2 what=$3
	shift 3
	python3 "$tool" "$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$what: exit $got, want $want"
	elif [ -n "$text" ] && ! grep -qF -- "$text" "$tmp/out"; then
		fail "$what: no line with '$text'"
	else
		ok "$what"
	fi
}

# finish: the summary line, and the exit status of the test.
finish() {
	echo "$pass passed, $failed failed"
	[ "$failed" -eq 0 ]
}
