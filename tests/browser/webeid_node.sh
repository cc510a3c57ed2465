#!/bin/sh
# shellcheck disable=SC1090
# webeid_node.sh: Web eID tokens made by another implementation (Node's
# WebCrypto, webeid_node.mjs, no kalit code) for key files made by kalit-ca
# and by openssl, judged by webeid_parse() and webeid_verify() through
# tests/browser/webeid_verify: each token must get exactly the code
# webeid_node.mjs expects, "ok" for the untampered ones.
. "${TESTLIB:?TESTLIB is not set}"

# Programs of this build (the harness names the build by kalit-ca's path)
# and files of this source tree (by lib.sh's).
VERIFY=$(dirname "$KALIT_CA")/tests/browser/webeid_verify
SCRIPT=$(dirname "$TESTLIB")/../browser/webeid_node.mjs
NODE=${NODE:-node}
ORIGIN=https://login.kalit.example
[ -x "$VERIFY" ] || skip "$VERIFY is not built"
# Not a skip: CI installs nodejs (build-aux/install-deps).
if ! command -v "$NODE" >/dev/null 2>&1; then
	fail "no $NODE: install nodejs (build-aux/install-deps)"
	finish
fi

make_pki
cd "$TMP" || exit 99
# Key files as citizens get them, and keys the openssl CLI makes.
N=0
for t in p256 p384 rsa3072; do
	N=$((N + 1))
	kca_issue --profile citizen --given-name Vali --surname Aliyev \
	    --pinfl "$(pinfl $N)" --key-type "$t" --out "kc-$t.p12" \
	    --key-pass "file:$KEYPASS" >/dev/null 2>&1 &&
	    p12_cert "kc-$t.p12" "$KEYPASS" "kc-$t.crt" &&
	    "$OPENSSL" pkcs12 -in "kc-$t.p12" -passin "file:$KEYPASS" \
	    -nocerts -nodes -out "kc-$t.key" 2>/dev/null ||
	    fail "a $t key file from kalit-ca"
done
for c in P-256 P-521; do
	"$OPENSSL" req -x509 -newkey ec -pkeyopt "ec_paramgen_curve:$c" \
	    -nodes -keyout "os-$c.key" -subj "/CN=openssl $c" -days 1 \
	    -out "os-$c.crt" 2>/dev/null || fail "an openssl $c key"
done
CHALLENGE=$("$OPENSSL" rand -base64 32)
assert_eq "the challenge is 44 characters, as Web eID's nonces" \
    "${#CHALLENGE}" 44

mkdir tokens
check "node makes the tokens" "$NODE" "$SCRIPT" tokens "$ORIGIN" \
    "$CHALLENGE" "$CIT_CRT" kc-p256:kc-p256.key:kc-p256.crt \
    kc-p384:kc-p384.key:kc-p384.crt kc-rsa:kc-rsa3072.key:kc-rsa3072.crt \
    os-p256:os-P-256.key:os-P-256.crt os-p521:os-P-521.key:os-P-521.crt
TAB=$(printf '\t')
n=0
while IFS=$TAB read -r file at want what; do
	n=$((n + 1))
	run "$VERIFY" "$at" "$CHALLENGE" "tokens/$file"
	if [ "$RC" -ne 0 ]; then
		fail "$what: webeid_verify exited $RC"
		show_last
	else
		assert_eq "$what: $want" "$(cat "$OUT")" "$want"
	fi
done <tokens/cases.tsv
# 5 keys, 10 algorithms of 7 or 8 cases, and the cases once per key.
assert "every case was judged ($n)" "$n" -ge 100
finish
