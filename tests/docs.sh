#!/bin/sh
# docs.sh: the man pages and docs/api.md document every error code, setting,
# route, command and option the C tables have (build-aux/doc-sync). Also
# checks the checker on copies of the tree with one gap each, so that a
# checker that sees nothing cannot pass.
. "$(dirname "$0")/toollib.sh"
tool=$top/build-aux/doc-sync

# The product.
expect 0 "doc-sync: documented" "the docs say what the tables say" "$top" &&
    sed 's/^/    /' "$tmp/out"

# copy NAME: $tmp/NAME, a copy of what doc-sync reads; sets t to it.
copy() {
	t=$tmp/$1
	for d in src/lib src/kalitd src/kalit ca; do
		mkdir -p "$t/$d"
		cp "$top/$d"/*.c "$top/$d"/*.h "$t/$d/"
	done
	mkdir -p "$t/man" "$t/docs"
	cp "$top"/man/*.[158] "$t/man/"
	cp "$top/docs/api.md" "$t/docs/"
}

# edit FILE SED: runs the sed(1) script SED on FILE of the copy $t.
edit() {
	sed "$2" "$t/$1" >"$t/$1.new" && mv "$t/$1.new" "$t/$1"
}

copy same
expect 0 "doc-sync: documented" "a copy of the tree passes" "$t"

# --- error codes ---
copy nocode
edit man/kalitd.8 '/^\.It Cm token_invalid$/d'
expect 1 "token_invalid (src/lib/err.c) is in no list of codes" \
    "a code in no man page is named" "$t"

copy newcode
edit src/lib/err.h 's/^\(	KALIT_ERR_WEBEID_FORMAT = -68,\)$/\1\
	KALIT_ERR_TEAPOT = -69,/'
edit src/lib/err.c 's/^};$/	{ "teapot", "short and stout", 2 },\
};/'
expect 1 "teapot (src/lib/err.c) is in no list of codes" \
    "a new code is named until it is documented" "$t"

copy exitcode
edit src/lib/err.c '/{ "usage",/s/, 1 },$/, 7 },/'
expect 1 "man/kalit-ca.1 DIAGNOSTICS: usage: exit status 1; \
src/lib/err.c says 7" "an exit status that drifted is named" "$t"

copy clientcode
edit man/kalit.1 '/^\.It Cm document_mismatch Pq 2$/d'
expect 1 "man/kalit.1: no entry for document_mismatch, a code of src/kalit/" \
    "a code of kalit missing from kalit(1) is named" "$t"

copy answer
printf '%s\n' 'static int' 'teapot(struct req *rq)' '{' \
    '	return http_respond_code(rq, 418, "teapot", "short and stout");' \
    '}' >>"$t/src/kalitd/http.c"
expect 1 "man/kalitd.8 HTTP ERRORS: no entry for teapot, an answer of \
kalitd (HTTP 418)" "a new answer of kalitd is named for kalitd(8)" "$t"
expect 1 "docs/api.md Errors: no entry for teapot, an answer of kalitd \
(HTTP 418)" "... and for docs/api.md" "$t"

copy status
edit src/kalitd/apierr.c 's/return 429;/return 420;/'
expect 1 "man/kalitd.8 HTTP ERRORS: rate_limited: HTTP 429; kalitd \
answers it with 420" "a status that drifted is named" "$t"

copy stale
edit docs/api.md 's/^| 500 | `server_error` |/| 400 | `no_such_code` | gone |\
&/'
expect 1 "docs/api.md Errors: no_such_code is no answer of kalitd" \
    "a documented code kalitd does not answer with is named" "$t"

copy notanswered
for f in "$t"/src/kalitd/*.c; do
	edit "${f#"$t"/}" 's/KALIT_ERR_TOKEN_INVALID/KALIT_ERR_MALFORMED/g'
done
expect 1 "NOT_ANSWERED lists token_invalid, which src/kalitd/ no longer \
names" "an exception that no longer applies is named" "$t"

# --- settings ---
copy setting
edit src/kalitd/conf.c '/^	{ "server", "port",/a\
	{ "server", "teapot", OPT_INT, O(port), 1, 2 },'
expect 1 "no entry for [server] teapot under .Ss The [server] section" \
    "a new setting is named" "$t"

copy section
edit src/kalitd/conf.c '/"summary_interval"/s/"audit"/"server"/'
expect 1 "[audit] summary_interval is no setting of src/kalitd/conf.c" \
    "a setting under the wrong section is named" "$t"

# --- routes ---
copy route
edit src/kalitd/http.c '/^static const struct route routes\[\] = {$/a\
	{ .path = "/v1/teapot", .method = "GET", .handler = do_healthz },'
expect 1 "man/kalitd.8 HTTP ENDPOINTS: no entry for .Ql GET /v1/teapot" \
    "a new route is named for kalitd(8)" "$t"
expect 1 "docs/api.md: no heading with GET /v1/teapot" \
    "... and for docs/api.md" "$t"

copy oldroute
edit docs/api.md 's/^### GET \/healthz$/### GET \/healthz, GET \/readyz/'
expect 1 "docs/api.md: GET /readyz is no route of src/kalitd/http.c" \
    "a documented route that is none is named" "$t"

# --- commands and options ---
copy command
edit ca/main.c '/^static const struct command commands\[\] = {$/a\
	{ "brew", cmd_brew, 0, 0, "brew" },'
expect 1 "man/kalit-ca.1 COMMANDS: no entry for kalit-ca brew" \
    "a new command of kalit-ca is named" "$t"

copy admin
edit src/kalitd/admin.c '/^	{ "client", "list", 0, client_list },$/a\
	{ "client", "rename", 1, client_rename },'
expect 1 "man/kalitd.8 COMMANDS: no entry for kalitd client rename" \
    "a new command of kalitd is named" "$t"

copy option
edit src/kalit/main.c '/^	{ "cacert", 0, S(cacert) },$/a\
	{ "teapot", 0, S(cacert) },'
expect 1 "man/kalit.1: no Fl Fl teapot: --teapot of kalit" \
    "a new option is named" "$t"

# --- a tree it cannot read ---
copy unreadable
edit src/kalitd/http.c 's/routes\[\] = {/routes_[] = {/'
expect 2 "cannot check: src/kalitd/http.c: no table routes[]" \
    "a table it cannot find is an error, not a pass" "$t"

finish
