#!/bin/sh
# layers.sh: kalitd's modules and libkalit's include one another in one
# direction only (STYLE.md, "Layout shows the architecture"); a module's
# *_int.h is for its own files. Also checks build-aux/include-cycles itself
# on small trees, so that a checker that sees nothing cannot pass.
. "$(dirname "$0")/toollib.sh"
tool=$top/build-aux/include-cycles

# tree NAME FILE:INCLUDES...: makes $tmp/NAME with each FILE including
# the comma-separated headers INCLUDES (FILE: includes nothing).
tree() {
	d=$tmp/$1
	shift
	mkdir -p "$d"
	for spec in "$@"; do
		f=${spec%%:*}
		: >"$d/$f"
		for h in $(echo "${spec#*:}" | tr ',' ' '); do
			echo "#include \"$h\"" >>"$d/$f"
		done
	done
}

# The product: no cycle, and the modules layer by layer in the log.
expect 0 "no cycle" "kalitd's modules include one another one way" \
    -v "$top/src/kalitd" && sed 's/^/    /' "$tmp/out"
expect 0 "no cycle" "libkalit's modules include one another one way" \
    -v "$top/src/lib" && sed 's/^/    /' "$tmp/out"

# The checker.
tree two a.h:b.h a.c:a.h b.h: b.c:b.h,a.h
expect 1 "cycle: a -> b -> a" "a cycle of two modules is named" "$tmp/two"
expect 1 "b.c:2: #include \"a.h\"" "the include that closes it is named" \
    "$tmp/two"

tree split m.h: m_int.h:m.h,store.h m.c:m_int.h m_io.c:m_int.h,n.h \
    n.h: n.c:n.h
expect 0 "2 modules, 1 edges" "a module's files and *_int.h are one module" \
    "$tmp/split"

tree splitcycle m.h: m_int.h:m.h m.c:m_int.h m_io.c:m_int.h,n.h \
    n.h: n.c:n.h,m.h
expect 1 "cycle: m -> n -> m" "a cycle through a file of a split module" \
    "$tmp/splitcycle"

tree internal m.h: m_int.h:m.h m.c:m_int.h n.h: n.c:n.h,m_int.h
expect 1 "m_int.h is internal to module m" \
    "another module including a *_int.h fails" "$tmp/internal"

tree ownheader p.h: p.c:p.h,p_text.h p_text.h: p_text.c:p_text.h
expect 0 "2 modules, 1 edges" "a file with its own header is its own module" \
    "$tmp/ownheader"
tree ownheadercycle p.h: p.c:p.h,p_text.h p_text.h: p_text.c:p_text.h,p.h
expect 1 "cycle: p -> p_text -> p" "... and can make a cycle" \
    "$tmp/ownheadercycle"

tree three a.h:b.h a.c: b.h:c.h b.c: c.h: c.c:a.h d.h:a.h d.c:
expect 1 "cycle: a -> b -> c -> a" "a longer cycle is named whole" \
    "$tmp/three"

finish
