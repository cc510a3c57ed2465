# oidc_lib.sh: what the browser tests share (sourced after lib.sh; the
# key files and portals need kalitd_lib.sh too): node and chromium, the npm
# packages, the key files, the portals.

NODE=${NODE:-node}
CHROMIUM=${CHROMIUM:-chromium}
export CHROMIUM

# need_browser: node and chromium, or the test fails (CI never skips it).
need_browser() {
	for _t in "$NODE" "$CHROMIUM"; do
		command -v "$_t" >/dev/null 2>&1 || {
			fail "no $_t: build-aux/install-deps installs nodejs, chromium"
			finish
		}
	done
}

# need_npm: the npm packages of package-lock.json in $NODE_MODULES.
need_npm() {
	[ -f "${NODE_MODULES:?NODE_MODULES is not set}/.package-lock.json" ] ||
	    {
		fail "no npm packages in $NODE_MODULES: make check runs npm ci"
		finish
	}
}

ARTIFACTS=${ARTIFACTS:-$(cd "$(dirname "$0")" && pwd)/artifacts}
export ARTIFACTS

# js_tree: the tests' and the portal's modules in $JS beside a link to
# $NODE_MODULES, where Node finds puppeteer-core, openid-client and jose
# also when the sources are not in the build directory.
js_tree() {
	JS=$TMP/js
	mkdir -p "$JS/tests/browser" "$JS/portal" &&
	    cp "$SRCDIR"/tests/browser/*.mjs "$JS/tests/browser/" &&
	    cp "$SRCDIR/portal/portal.mjs" "$JS/portal/" &&
	    ln -s "$NODE_MODULES" "$JS/node_modules" || {
		fail "the JavaScript tree in $JS"
		finish
	}
}

# fp CERT: the SHA-256 of CERT's DER, in hex.
fp() {
	"$OPENSSL" x509 -in "$1" -outform DER | sha256sum | cut -c1-64
}

# oidc_keys: in $KEYS, key files with password $KEYS/key.pass: citizen.p12
# and official.p12 (kalit-ca), revoked.p12 (kalit-ca, then revoked in the
# citizen CA's CRL), expired.p12 (openssl ca with the citizen CA's key,
# valid in 2020), untrusted.p12 (self-signed), legacy.p12 (kalit-ca
# --legacy), and card.key/card.crt for the simulated ID card.
oidc_keys() {
	KEYS=$TMP/keys
	mkdir -p "$KEYS" && cd "$KEYS" || exit 99
	cp "$KEYPASS" key.pass
	kca_issue --profile citizen --given-name Vali --surname Aliyev \
	    --pinfl "$(pinfl 1)" --out citizen.p12 --key-pass "file:$KEYPASS" \
	    >/dev/null 2>&1 || fail "kalit-ca issue citizen"
	kca_issue --profile official --given-name Nodira --surname Yusupova \
	    --pinfl "$(pinfl 2)" --org "Kalit LLC" --title Director \
	    --org-tin 201234567 --out official.p12 \
	    --key-pass "file:$KEYPASS" >/dev/null 2>&1 ||
	    fail "kalit-ca issue official"
	kca_issue --profile citizen --given-name Ali --surname Karimov \
	    --pinfl "$(pinfl 3)" --out revoked.p12 --key-pass "file:$KEYPASS" \
	    >/dev/null 2>&1 || fail "kalit-ca issue revoked"
	kca_issue --profile citizen --given-name Vali --surname Aliyev \
	    --pinfl "$(pinfl 1)" --out legacy.p12 --legacy \
	    --key-pass "file:$KEYPASS" >/dev/null 2>&1 ||
	    fail "kalit-ca issue --legacy"
	p12_cert revoked.p12 "$KEYPASS" revoked.crt
	kca revoke "$(cert_serial revoked.crt)" --reason keyCompromise \
	    >/dev/null && kca crl --ca citizen --ca-pass "file:$CAPASS" \
	    >/dev/null 2>&1 || fail "revoke, crl"
	SUBJ="/C=UZ/SN=Aliyev/GN=Vali/CN=Aliyev Vali/pinfl=$(pinfl 1)"
	oca_init
	cat >>oca/ca.cnf <<CNF
[citizen]
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
certificatePolicies = 1.3.6.1.5.5.7.13.1
CNF
	ossl expired citizen -startdate 20200101000000Z \
	    -enddate 20210101000000Z
	ossl card citizen
	"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout untrusted.key -subj "$SUBJ" -days 30 \
	    -out untrusted.crt 2>/dev/null || fail "self-signed untrusted"
	for n in expired untrusted; do
		"$OPENSSL" pkcs12 -export -inkey $n.key -in $n.crt \
		    -passout "file:$KEYPASS" -out $n.p12 ||
		    fail "openssl pkcs12 -export $n"
	done
	for n in citizen official; do
		p12_cert $n.p12 "$KEYPASS" $n.crt
	done
	cd "$TMP" || exit 99
}

# oidc_brand: $BRAND, an operator's brand_dir: an English title of its
# own and a green primary colour; the rest is kalit's.
oidc_brand() {
	BRAND=$TMP/brand
	mkdir -p "$BRAND" &&
	    printf '{"text": {"title": "Sign in to MyGov"}}\n' >"$BRAND/en.json" &&
	    sed 's/--brand-primary: #[0-9a-f]*;/--brand-primary: #006400;/' \
	    "$SRCDIR/www/brand/brand.css" >"$BRAND/brand.css" ||
	    fail "the brand directory"
}

# start_portal NAME CLIENT-ID PORT [SECRET-FILE [AUTH-METHOD]]: the demo
# portal, its URL in $PORTAL_URL; its log in $TMP/CLIENT-ID.log.
start_portal() {
	"$NODE" "$JS/portal/portal.mjs" --issuer "$OP" --client-id "$2" \
	    --port "$3" --name "$1" ${4:+--secret-file "$4"} ${5:+--auth "$5"} \
	    >"$TMP/$2.log" 2>&1 &
	echo $! >>"$TMP/node.pids"
	PORTAL_URL=http://127.0.0.1:$3
	_i=0
	until grep -q "^portal: listening on" "$TMP/$2.log"; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ]; then
			fail "portal $2 did not start"
			sed 's/^/     | /' "$TMP/$2.log"
			finish
		fi
		sleep 0.1
	done
}

# stop_node: SIGTERM to the node processes this test started.
stop_node() {
	[ -f "$TMP/node.pids" ] || return 0
	while read -r _p; do
		kill -TERM "$_p" 2>/dev/null
	done <"$TMP/node.pids"
	rm -f "$TMP/node.pids"
}

# run_browser_tests: oidc.test.mjs against $OP, $PORTAL_A, $PORTAL_B; the
# screenshots are listed in the log.
run_browser_tests() {
	rm -rf "$ARTIFACTS"
	check "chromium logs in through the page to portals A and B" \
	    env OP="$OP" PORTAL_A="$PORTAL_A" PORTAL_B="$PORTAL_B" \
	    CHROMIUM="$(command -v "$CHROMIUM")" \
	    KEYS="$KEYS" WWW="$SRCDIR/www" "$NODE" --test \
	    "$JS/tests/browser/oidc.test.mjs"
	sed 's/^/     | /' "$OUT"
}
