#!/bin/sh
# shellcheck disable=SC1090,SC2015,SC2086
# kalitd_cache.sh: what kalitd remembers of logins. Nothing from a CMS whose
# certificate was never proved: 1,500 logins with large, unique, untrusted
# certificates leave kalitd's memory where it was (before the fix each one
# cost about 355 KB until SIGHUP). And a certificate proved once is judged
# again with its whole path: when its issuing CA expires, the next login is
# refused, as a certificate never seen would be.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
cd "$TMP" || exit 99

# rss: kalitd's resident memory in KiB.
rss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$KPID/status"
}

# --- an openssl PKI whose issuing CA expires in a few seconds -------------------

mkdir -p pki/db/new && : >pki/db/index.txt && echo 1000 >pki/db/serial
cat >pki/ca.cnf <<'CNF'
oid_section = oids
[oids]
pinfl = 1.2.860.3.16.1.2
[req]
distinguished_name = dn
[dn]
[ca]
default_ca = c
[c]
database = pki/db/index.txt
new_certs_dir = pki/db/new
serial = pki/db/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = optional
pinfl = optional
givenName = optional
surname = optional
[sub]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
certificatePolicies = 1.3.6.1.5.5.7.13.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
certificatePolicies = 1.3.6.1.5.5.7.13.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
key() {
	"$OPENSSL" ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null
}
key pki/root.key && key pki/ca.key && key a.key && key b.key &&
    "$OPENSSL" req -x509 -new -key pki/root.key -subj "/CN=Cache Root" \
    -days 30 -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign -out pki/root.crt \
    2>/dev/null &&
    "$OPENSSL" req -new -key pki/ca.key -subj "/CN=Cache Citizen CA" \
    -out pki/ca.csr 2>/dev/null || fail "the root"
CA_END=$(($(date +%s) + 15))
"$OPENSSL" ca -batch -config pki/ca.cnf -cert pki/root.crt \
    -keyfile pki/root.key -extensions sub -enddate \
    "$(date -u -d "@$CA_END" +%y%m%d%H%M%SZ)" -in pki/ca.csr \
    -out pki/ca.crt >/dev/null 2>&1 || fail "the issuing CA"
# leaf NAME PINFL: NAME.crt (valid 30 days, past its CA) with NAME.key.
leaf() {
	"$OPENSSL" req -config pki/ca.cnf -new -key "$1.key" \
	    -subj "/GN=Vali/SN=Aliyev/CN=Vali Aliyev/pinfl=$2" -out "$1.csr" \
	    2>/dev/null &&
	    "$OPENSSL" ca -batch -config pki/ca.cnf -cert pki/ca.crt \
	    -keyfile pki/ca.key -extensions leaf -days 30 -in "$1.csr" \
	    -out "$1.crt" >/dev/null 2>&1 || fail "leaf $1"
}
leaf a "$(pinfl 1)"
leaf b "$(pinfl 2)"
mkdir -p trust && cp pki/root.crt pki/ca.crt trust/

PORT=$(free_port)
CADIR=$TMP
write_conf "check = off" "trust_dir = $TMP/trust" || fail "config"
sed -i '/^trust_dir = .*\/certs$/d' "$SRV/kalitd.conf"
kd keygen >/dev/null && add_client portal || fail "keygen, client add"
# Under AddressSanitizer (the CI's second run) freed memory waits in a
# quarantine of 256 MB before reuse; keep it small so that RSS still tells
# what kalitd keeps.
[ -n "${ASAN_OPTIONS:-}" ] &&
    ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=4" && export ASAN_OPTIONS
start_kalitd

# login DESC STATUS CODE NAME: NAME.crt and NAME.key log in to portal.
login() {
	challenge
	sign_openssl "$4.crt" "$4.key" "$CH" s.der || fail "$1: openssl cms"
	login_body portal "$CH" s.der >b.json
	post_login b.json
	expect_http "$1" "$2" "$3"
}

# --- 1. junk certificates are not kept -----------------------------------------

login "a citizen logs in (and is cached)" 200 - a
# One large certificate: 1,000 one-attribute RDNs, about 30 KB of DER.
python3 -c 'print("".join("/OU=u%d" % i for i in range(1000)))' >subj.txt
key big.key && "$OPENSSL" req -x509 -new -key big.key \
    -subj "$(cat subj.txt)" -set_serial 0x5a5a5a5a5a5a5a5a5a5a -days 30 \
    -outform DER -out big.der 2>/dev/null &&
    "$OPENSSL" x509 -inform DER -in big.der -out big.crt &&
    printf x | "$OPENSSL" cms -sign -nodetach -binary -keyid \
    -signer big.crt -inkey big.key -outform DER -out big.p7 ||
    fail "the large certificate"
assert "the large certificate is about 30 KB, within a login's 32 KB" \
    "$(wc -c <big.der)" -gt 25000 -a "$(wc -c <big.p7)" -lt 32768
cat >junk.py <<'PY'
# junk.py PORT N: N logins, each with a fresh challenge and the CMS of
# big.p7 with the certificate's serial made unique. Prints the statuses
# seen.
import base64, http.client, json, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
p7 = open("big.p7", "rb").read()
mark = bytes.fromhex("5a5a5a5a5a5a5a5a5a5a")
assert p7.count(mark) >= 1
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
seen = {}
for i in range(n):
    c.request("POST", "/v1/challenge", body=json.dumps({"client_id": "portal"}),
              headers={"Content-Type": "application/json"})
    ch = json.loads(c.getresponse().read())["challenge"]
    der = p7.replace(mark, (0x10000000000000000000 + i).to_bytes(10, "big"))
    body = json.dumps({"client_id": "portal", "challenge": ch,
                       "pkcs7": base64.b64encode(der).decode()})
    c.request("POST", "/v1/login", body=body,
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    err = json.loads(r.read()).get("error")
    seen["%d %s" % (r.status, err)] = seen.get("%d %s" % (r.status, err), 0) + 1
print(" ".join(sorted(seen)))
PY
python3 junk.py "$PORT" 100 >junk.out 2>&1 || fail "warm-up junk logins"
before=$(rss)
python3 junk.py "$PORT" 1500 >junk.out 2>&1 || fail "1,500 junk logins"
after=$(rss)
assert_grep "junk logins are refused" "^40[01] " junk.out
assert_nogrep "... and none got a token" "^200" junk.out
echo "kalitd RSS: $before KiB before 1,500 junk logins, $after KiB after" >&2
assert "kalitd kept nothing of them: RSS grew less than 48 MiB (was ~500)" \
    $((after - before)) -lt 49152

# --- 8. the cache ends with the first certificate of the path to expire --------

now=$(date +%s)
[ "$now" -le "$CA_END" ] && sleep $((CA_END - now + 1))
login "the issuing CA expired: the cached citizen" 401 certificate_expired a
login "... and one never seen" 401 certificate_expired b

check "kalitd is still running" kill -0 "$KPID"
finish
