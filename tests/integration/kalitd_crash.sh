#!/bin/sh
# shellcheck disable=SC1090,SC2154
# kalitd_crash.sh: issue 17's crash test. kalitd is killed with SIGKILL at
# random moments while clients log in (kalit login), log out (POST
# /v1/revoke) and ask for timestamps, and is started again, round after
# round. Then: the database passes SQLite's integrity check, the audit
# chain verifies (kalitd audit verify), every token a client received has
# its login in the audit log (the jtis collected client-side), every
# logout a client saw answered is stored, and no timestamp serial came
# twice. KALIT_CRASH_ROUNDS rounds (default 6; `make crash` runs more).
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
ROUNDS=${KALIT_CRASH_ROUNDS:-6}
LOADERS=3

make_pki
cd "$TMP" || exit 99
check "ca-new tsa" kca --operator tester ca-new --profile tsa --name tsa \
    --ca-pass "file:$CAPASS"
check "the TSA key file" kca_issue --profile tsa --ca tsa --cn "kalit TSA" \
    --out tsa.p12 --key-pass "file:$KEYPASS"
i=1
while [ $i -le $LOADERS ]; do
	kca_issue --profile citizen --given-name Vali --surname "Aliyev$i" \
	    --pinfl "$(pinfl $i)" --out "c$i.p12" --key-pass "file:$KEYPASS" \
	    >/dev/null 2>&1 || fail "kalit-ca issue c$i"
	i=$((i + 1))
done
for ca in citizen tsa root; do
	kca crl --ca $ca --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
	    fail "crl --ca $ca"
done
PORT=$(free_port)
write_conf "" "" "[timestamp]
key_file = $TMP/tsa.p12
passphrase = file:$KEYPASS
policy = 1.3.6.1.4.1.99999.1.1"
kd keygen >/dev/null && add_client portal || fail "keygen, client add"
SECRET=$(cat "$TMP/portal.secret")
echo "an order of the ministry" >doc.txt
"$OPENSSL" ts -query -data doc.txt -sha256 -cert -out q.tsq 2>/dev/null ||
    fail "openssl ts -query"
mkdir -p got/tokens got/logouts got/stamps

# loader N: until the file stop exists, logs in with cN.p12 and keeps the
# token (got/tokens), logs every other token out and keeps the jti of
# each logout answered 200 (got/logouts), asks for a timestamp and keeps
# each reply granted (got/stamps). Failures are expected while kalitd is
# down; only answers count.
loader() {
	_n=0
	while [ ! -f stop ]; do
		_n=$((_n + 1))
		_t=got/tokens/$1.$_n
		if "$KALIT" login --key "c$1.p12" --password "file:$KEYPASS" \
		    --server "http://127.0.0.1:$PORT" --client portal \
		    --timeout 5 >"$_t.out" 2>/dev/null &&
		    sed -n 's/^token: //p' "$_t.out" >"$_t" && [ -s "$_t" ]; then
			if [ $((_n % 2)) -eq 0 ] && [ "$(curl -s -m 5 -o /dev/null \
			    -w '%{http_code}' -u "portal:$SECRET" \
			    --data-urlencode "token=$(cat "$_t")" \
			    "http://127.0.0.1:$PORT/v1/revoke")" = 200 ]; then
				cp "$_t" "got/logouts/$1.$_n"
			fi
		else
			rm -f "$_t"
		fi
		rm -f "$_t.out"
		curl -s -m 5 -o "got/stamps/$1.$_n" -H \
		    "Content-Type: application/timestamp-query" \
		    --data-binary @q.tsq "http://127.0.0.1:$PORT/v1/timestamp" \
		    2>/dev/null || rm -f "got/stamps/$1.$_n"
	done
}

start_kalitd
i=1 PIDS=
while [ $i -le $LOADERS ]; do
	loader $i &
	PIDS="$PIDS $!"
	i=$((i + 1))
done
r=1
while [ $r -le $ROUNDS ]; do
	# 0.3 to 1.5 s of load, then SIGKILL wherever kalitd is
	sleep "$(awk -v r="$(od -An -N2 -tu2 /dev/urandom)" \
	    'BEGIN { printf "%.2f", 0.3 + (r % 120) / 100 }')"
	kill -9 "$KPID" 2>/dev/null
	wait "$KPID" 2>/dev/null
	start_kalitd
	r=$((r + 1))
done
touch stop
for p in $PIDS; do
	wait "$p"
done
stop_kalitd
ok "$ROUNDS rounds of SIGKILL under logins, logouts and timestamps"

# --- what the database holds ----------------------------------------------------
assert_eq "SQLite's integrity check" \
    "$(sqlite3 "$SRV/kalitd.db" 'PRAGMA integrity_check')" ok
check "kalitd audit verify: the chain is whole" kd audit verify
# jti FILE: the jti of the token in FILE.
jti() {
	cut -d. -f2 "$1" | tr '_-' '/+' |
	    awk '{ while (length($0) % 4) $0 = $0 "="; print }' |
	    "$OPENSSL" base64 -d -A | sed -n 's/.*"jti":"\([^"]*\)".*/\1/p'
}
sqlite3 "$SRV/kalitd.db" "SELECT detail FROM audit WHERE action = 'login'" |
    sed -n 's/^ok jti //p' | sort >audited.jti
sqlite3 "$SRV/kalitd.db" "SELECT detail FROM audit WHERE action = 'logout'" |
    sort >logged-out.jti
n=0 missing=0
for t in got/tokens/*; do
	[ -s "$t" ] || continue
	n=$((n + 1))
	grep -qxF -e "$(jti "$t")" audited.jti || missing=$((missing + 1))
done
assert "clients received tokens ($n)" "$n" -gt 0
assert_eq "every token received has its login in the audit log" \
    "$missing" 0
n=0 missing=0
for t in got/logouts/*; do
	[ -s "$t" ] || continue
	n=$((n + 1))
	grep -qxF -e "$(jti "$t")" logged-out.jti || missing=$((missing + 1))
done
assert_eq "every logout answered ($n) is stored" "$missing" 0
for s in got/stamps/*; do
	"$OPENSSL" ts -reply -in "$s" -text 2>/dev/null |
	    sed -n 's/^Serial number: //p'
done | sort >serials
n=$(wc -l <serials)
assert "timestamps were granted ($n)" "$n" -gt 0
assert_eq "no timestamp serial twice" "$(uniq -d serials | wc -l)" 0
finish
