#!/bin/sh
# lint.sh: config.h first in every .c, and kalitd's headers only in kalitd
# and its tests (build-aux/source-lint). Also checks the checker on small
# trees, so that a checker that sees nothing cannot pass.
. "$(dirname "$0")/toollib.sh"
tool=$top/build-aux/source-lint

# The product.
expect 0 "files clean" "the sources pass" "$top" && sed 's/^/    /' "$tmp/out"

# tree NAME FILE:INCLUDES...: makes $tmp/NAME with each FILE (a path
# under it) including the comma-separated INCLUDES in that order, <x.h>
# for a system header; src/kalitd/state.h is always there.
tree() {
	d=$tmp/$1
	shift
	mkdir -p "$d/src/kalitd"
	: >"$d/src/kalitd/state.h"
	for spec in "$@"; do
		f=$d/${spec%%:*}
		mkdir -p "$(dirname "$f")"
		: >"$f"
		for h in $(echo "${spec#*:}" | tr ',' ' '); do
			case $h in
			'<'*) echo "#include $h" >>"$f" ;;
			*) echo "#include \"$h\"" >>"$f" ;;
			esac
		done
	done
}

tree good src/lib/a.c:config.h,a.h src/lib/a.h:'<stdio.h>' \
    src/kalitd/state.c:config.h,state.h tests/unit/t.c:config.h,state.h
expect 0 "5 files clean" "config.h first, kalitd's header in kalitd and \
tests" "$tmp/good"

tree late src/lib/a.c:'<stdio.h>',config.h
expect 1 'src/lib/a.c:1: #include "config.h" must come first, before stdio.h' \
    "config.h after a system header is named" "$tmp/late"

tree none ca/b.c:b.h
expect 1 'ca/b.c:1: #include "config.h" must come first, before b.h' \
    "a .c without config.h is named" "$tmp/none"
tree empty bench/c.c:
expect 1 'bench/c.c: no #include "config.h"' "a .c with no include is named" \
    "$tmp/empty"

tree reach src/lib/a.c:config.h,state.h src/kalit/k.h:state.h
expect 1 "src/lib/a.c:2: includes state.h of src/kalitd; only kalitd and \
its tests may" "libkalit including a kalitd header is named" "$tmp/reach"
expect 1 "src/kalit/k.h:1: includes state.h of src/kalitd" \
    "... and kalit" "$tmp/reach"

tree own src/kalit/k.c:config.h,state.h src/kalit/state.h:
expect 0 "3 files clean" "a header of the file's own directory is its own" \
    "$tmp/own"

mkdir -p "$tmp/nothing"
expect 2 "no C file" "a tree without C files is an error, not a pass" \
    "$tmp/nothing"

finish
