#!/bin/sh
# shellcheck disable=SC1090
# run.sh: the login page's browser modules (www/js) under Node's test runner
# and in headless Chromium, on key files made by the real kalit-ca and
# `openssl pkcs12 -export`. The key files go to $KEYS, which the *.test.mjs
# files read.
. "${TESTLIB:?TESTLIB is not set}"
HERE=$(cd "$(dirname "$0")" && pwd)

# NODE= and CHROMIUM= choose another Node or Chromium to try them with.
. "$HERE/oidc_lib.sh"
need_browser
NODE_MAJOR=$("$NODE" -p 'process.versions.node.split(".")[0]')
assert "node is 18 or later (Debian 12 has 18)" "$NODE_MAJOR" -ge 18

make_pki
KEYS=$TMP/keys
mkdir "$KEYS" && cd "$KEYS" || exit 99
# A second password, beyond ASCII and beyond the BMP: UTF-8 for PBKDF2,
# UTF-16 with a surrogate pair for the MAC's key.
printf 'pässwörd-ключ-\360\237\224\221\n' >utf8.pass
cp "$KEYPASS" key.pass
"$OPENSSL" x509 -in "$CIT_CRT" -outform DER -out citizen-ca.der
"$OPENSSL" x509 -in "$ROOT_CRT" -outform DER -out root-ca.der

# kalit NAME PASSFILE ARGS...: a citizen key file NAME.p12 from kalit-ca.
N=0
kalit() {
	_n=$1 _p=$2
	shift 2
	N=$((N + 1))
	check "kalit-ca issue $_n" kca_issue --profile citizen \
	    --given-name Vali --surname "Aliyev-$_n" --pinfl "$(pinfl "$N")" \
	    --out "$_n.p12" --key-pass "file:$_p" "$@"
}
kalit kalit-p256 key.pass
kalit kalit-p384-utf8 utf8.pass --key-type p384
kalit kalit-rsa key.pass --key-type rsa3072
kalit kalit-ed25519 key.pass --key-type ed25519
kalit kalit-legacy key.pass --legacy
for f in kalit-p256 kalit-p384-utf8 kalit-rsa; do
	_p=key.pass
	[ "$f" = kalit-p384-utf8 ] && _p=utf8.pass
	"$OPENSSL" pkcs12 -in "$f.p12" -passin "file:$_p" -nokeys -clcerts |
	    "$OPENSSL" x509 -outform DER -out "$f.crt.der" ||
	    fail "$f: the certificate out of the key file"
done

# key NAME GENPKEY-ARGS...: a key NAME.key and a self-signed certificate
# NAME.crt (and NAME.crt.der) for it.
key() {
	_n=$1
	shift
	"$OPENSSL" genpkey "$@" -out "$_n.key" 2>/dev/null &&
	    "$OPENSSL" req -new -x509 -key "$_n.key" -subj "/CN=$_n" -days 2 \
	    -out "$_n.crt" 2>/dev/null &&
	    "$OPENSSL" x509 -in "$_n.crt" -outform DER -out "$_n.crt.der" ||
	    fail "key $_n"
}
for c in P-256 P-384 P-521; do
	key "p${c#P-}" -algorithm EC -pkeyopt "ec_paramgen_curve:$c"
done
key p256b -algorithm EC -pkeyopt ec_paramgen_curve:P-256
key rsa -algorithm RSA -pkeyopt rsa_keygen_bits:2048
# ossl NAME ARGS...: NAME.p12 from openssl pkcs12 -export (OpenSSL 3's
# defaults unless ARGS say otherwise), password key.pass.
ossl() {
	_n=$1
	shift
	check "openssl pkcs12 -export $_n" "$OPENSSL" pkcs12 -export \
	    -passout file:key.pass -out "$_n.p12" "$@"
}
ossl ossl-p256 -inkey p256.key -in p256.crt -certfile "$CIT_CRT"
ossl ossl-p384 -inkey p384.key -in p384.crt
ossl ossl-rsa -inkey rsa.key -in rsa.crt
ossl ossl-p521 -inkey p521.key -in p521.crt
ossl ossl-aes128-sha512 -inkey p256.key -in p256.crt \
    -keypbe AES-128-CBC -certpbe AES-128-CBC -macalg sha512
ossl ossl-legacy -legacy -inkey p256.key -in p256.crt
# Legacy ciphers under a SHA-256 MAC: found inside, not by the MAC; as
# PKCS#12 PBEs, and as PBES2's ciphers.
ossl ossl-3des-sha256 -inkey p256.key -in p256.crt \
    -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha256
ossl ossl-pbes2-3des -inkey p256.key -in p256.crt \
    -keypbe DES-EDE3-CBC -certpbe DES-EDE3-CBC
ossl ossl-nomac -nomac -inkey p256.key -in p256.crt
ossl ossl-nokey -nokeys -in p256.crt
ossl ossl-nocert -nocerts -inkey p256.key
# A key and a certificate not paired by a localKeyId: its own, another's.
ossl ossl-unpaired -nocerts -inkey p256.key -certfile p256.crt
ossl ossl-mismatch -nocerts -inkey p256.key -certfile p256b.crt
check "openssl pkcs12 -export ossl-utf8" "$OPENSSL" pkcs12 -export \
    -passout file:utf8.pass -out ossl-utf8.p12 -inkey p256.key -in p256.crt
# A MAC password (mac.pass) that is not the encryption password (key.pass):
# openssl -twopass asks for both on a terminal only.
printf 'the MAC password\n' >mac.pass
check "openssl pkcs12 -export -twopass ossl-twopass" python3 -c '
import os, pty, sys
answers = {b"MAC Password:": open("mac.pass", "rb").readline(),
    b"Export Password:": open("key.pass", "rb").readline()}
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], [sys.argv[1], "pkcs12", "-export", "-twopass",
        "-inkey", "p256.key", "-in", "p256.crt", "-out", "ossl-twopass.p12"])
seen = b""
while True:
    try:
        got = os.read(fd, 1024)
    except OSError:
        break
    if not got:
        break
    seen += got
    for prompt, answer in answers.items():
        if seen.rstrip().endswith(prompt):
            os.write(fd, answer)
            seen = b""
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
' "$OPENSSL"

cd "$TMP" || exit 99
export KEYS
check "node --test: p12.js, webeid.js, keyworker.js; in Chromium" \
    "$NODE" --test "$HERE/p12.test.mjs" "$HERE/webeid.test.mjs" \
    "$HERE/keyworker.test.mjs" "$HERE/chromium.test.mjs" \
    "$HERE/login.test.mjs"
sed 's/^/     | /' "$OUT"
finish
