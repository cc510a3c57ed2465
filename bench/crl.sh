#!/bin/sh
# crl.sh: CRL generation with many revoked entries, kalit-ca crl against
# `openssl ca -gencrl` over an index.txt of the same entries and the same
# issuing CA key: wall time, peak RSS and CRL size at each size (100 000 and
# 1 000 000 by default), then kalit-ca with the CRL in shards, and a delta
# CRL on the full one. See bench/README.md.
#
# The revoked certificates are put into the CA database by bench/crl_fill
# through the store API (issuing a million one by one takes hours): real
# rows with fresh random serials, revocation times and reasons, whose DER
# column reuses the DER of one certificate kalit-ca really issued. The CRL
# reads only serial, time and reason. crl_fill writes the same entries as
# openssl index.txt lines.
#
# Environment (all optional):
#   KALIT_CA           kalit-ca binary (default: kalit-ca in the source tree)
#   KALIT_PROFILE_DIR  installed profiles (default: ca/profiles of the source tree)
#   CRL_FILL           bench/crl_fill binary (default: in the source tree)
#   SIZES              revoked entries, ascending (default "100000 1000000")
#   SHARDS             shards for the sharded run (default 16; 1 skips it)
#   KEY_TYPE           the issuing CA's key type (default p256)
#   OPENSSL            openssl binary (default openssl)
#   BENCH_TMP          where the work directory is made (default $TMPDIR or /tmp)
#   KEEP=1             keep the work directory (default: removed at exit)
BENCH_NAME=crl.sh
. "$(dirname "$0")/ca_lib.sh"

top=$(cd "$(dirname "$0")/.." && pwd)
KALIT_CA=${KALIT_CA:-$top/kalit-ca}
KALIT_PROFILE_DIR=${KALIT_PROFILE_DIR:-$top/ca/profiles}
CRL_FILL=${CRL_FILL:-$top/bench/crl_fill}
SIZES=${SIZES:-"100000 1000000"}
SHARDS=${SHARDS:-16}
KEY_TYPE=${KEY_TYPE:-p256}
OPENSSL=${OPENSSL:-openssl}
KALIT_OPERATOR=bench
export KALIT_OPERATOR
bench_kalit_ca
[ -x "$CRL_FILL" ] || die "$CRL_FILL: not built; run 'make bench/crl_fill'"
command -v sqlite3 >/dev/null 2>&1 || die "no sqlite3 CLI"
case $SHARDS in ''|*[!0-9]*) die "SHARDS=$SHARDS is not a number" ;; esac
bench_sizes 1
bench_workdir
say "work directory $W"
umask 077
PASS=$W/ca.pass
KDIR=$W/kalit
ODIR=$W/ossl
DB=$KDIR/kalit-ca.db
mkdir -p "$ODIR"
"$OPENSSL" rand -hex 16 > "$PASS"
K() { "$KALIT_CA" -d "$KDIR" "$@"; }

say "creating the CA with kalit-ca (root + citizen issuing CA, $KEY_TYPE)"
K init --ca-pass "file:$PASS" >>"$LOG" 2>&1 || die "kalit-ca init failed; see $LOG"
K ca-new --profile citizen --key-type "$KEY_TYPE" --ca-pass "file:$PASS" \
    >>"$LOG" 2>&1 || die "kalit-ca ca-new failed; see $LOG"
CA_CRT=$KDIR/certs/citizen.crt
CA_KEY=$KDIR/keys/citizen.key
"$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$W/req.key" -subj /CN=bench -out "$W/req.pem" 2>>"$LOG"
K issue --profile citizen --given-name Bench --surname Mark \
    --pinfl 31234567890123 --csr "$W/req.pem" --out "$W/real.crt" \
    --ca-pass "file:$PASS" >>"$LOG" 2>&1 || die "kalit-ca issue failed; see $LOG"

# openssl ca -gencrl: the same certificate and encrypted key; a CRL with a
# CRL number and the AKI, valid 7 days, like kalit-ca's.
cat > "$ODIR/openssl.cnf" <<EOF
[ca]
default_ca = citizen
[citizen]
database = $ODIR/index.txt
crlnumber = $ODIR/crlnumber
certificate = $CA_CRT
private_key = $CA_KEY
default_md = sha256
default_crl_days = 7
unique_subject = no
crl_extensions = ext_crl
[ext_crl]
authorityKeyIdentifier = keyid:always
EOF
: > "$ODIR/index.txt"
echo "unique_subject = no" > "$ODIR/index.txt.attr"
echo 01 > "$ODIR/crlnumber"

# entries CRL-DER: the entries as openssl counts them (and the signature
# checked against the CA certificate).
entries() {
	"$OPENSSL" crl -inform DER -in "$1" -CAfile "$CA_CRT" -noout -text \
	    2>>"$LOG" | grep -c '^ *Serial Number:' || true
}
RES=$W/res
: > "$RES"
# row SIZE WHAT SHARDS BYTES ENTRIES: one line of the report
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$M_SEC" "$M_RSS" "$3" \
	    "$4" "$5" >> "$RES"
}

have=0
for S in $SIZES; do
	d=$((S - have))
	say "crl_fill: $d revoked certificates ($have -> $S)"
	measure "fill-$S" "$CRL_FILL" "$DB" citizen "$W/real.crt" "$d" \
	    "$ODIR/index.txt" 2>>"$LOG"
	FILL_RATE=$(awk -v n="$d" -v s="$M_SEC" 'BEGIN { printf "%.0f", n / s }')
	have=$S

	say "kalit-ca crl: $S entries, one CRL"
	measure "k-$S" "$KALIT_CA" -d "$KDIR" --json crl --ca citizen \
	    --ca-pass "file:$PASS" > "$W/k.json" 2>>"$LOG"
	n=$(entries "$KDIR/crl/citizen.crl")
	[ "$n" -eq "$S" ] || die "kalit's CRL has $n entries, not $S"
	row "$S" "kalit-ca crl" 1 "$(fsize "$KDIR/crl/citizen.crl")" "$n"

	say "openssl ca -gencrl: $S entries"
	measure "o-$S" "$OPENSSL" ca -gencrl -config "$ODIR/openssl.cnf" \
	    -passin "file:$PASS" -out "$W/o.pem" 2>>"$LOG"
	"$OPENSSL" crl -in "$W/o.pem" -outform DER -out "$W/o.der"
	n=$(entries "$W/o.der")
	[ "$n" -eq "$S" ] || die "openssl's CRL has $n entries, not $S"
	row "$S" "openssl ca -gencrl" 1 "$(fsize "$W/o.der")" "$n"

	if [ "$SHARDS" -gt 1 ]; then
		# The shard count is fixed when a CA is made; the benchmark
		# changes it in place so that the same rows are signed again.
		sqlite3 "$DB" "INSERT OR REPLACE INTO meta VALUES
		    ('crl_shards:citizen', '$SHARDS')"
		say "kalit-ca crl: $S entries in $SHARDS shards"
		measure "ks-$S" "$KALIT_CA" -d "$KDIR" --json crl --ca citizen \
		    --ca-pass "file:$PASS" > "$W/ks.json" 2>>"$LOG"
		total=0
		biggest=0
		k=0
		while [ $k -lt "$SHARDS" ]; do
			f=$KDIR/crl/citizen.$k.crl
			n=$(entries "$f")
			total=$((total + n))
			b=$(fsize "$f")
			[ "$b" -gt "$biggest" ] && biggest=$b
			k=$((k + 1))
		done
		[ "$total" -eq "$S" ] || die "the shards have $total entries, not $S"
		row "$S" "kalit-ca crl, $SHARDS shards (largest)" "$SHARDS" \
		    "$biggest" "$total"
		sqlite3 "$DB" "DELETE FROM meta WHERE key = 'crl_shards:citizen'"
	fi
	echo "$S	$FILL_RATE" >> "$W/fill"
done

# A delta CRL after one more revocation, on a full CRL of all entries (the
# CA is switched to delta CRLs in place, as for the shards): what a
# revocation costs the publisher of a CA with delta CRLs.
say "kalit-ca crl --delta: after one more revocation"
sqlite3 "$DB" "INSERT OR REPLACE INTO meta VALUES ('delta_crl:citizen', '1')"
K crl --ca citizen --ca-pass "file:$PASS" >>"$LOG" 2>&1 ||
    die "kalit-ca crl failed; see $LOG"
K revoke "$("$OPENSSL" x509 -in "$W/real.crt" -noout -serial | cut -d= -f2)" \
    --reason keyCompromise >>"$LOG" 2>&1 || die "kalit-ca revoke failed"
measure "kd" "$KALIT_CA" -d "$KDIR" --json crl --ca citizen --delta \
    --ca-pass "file:$PASS" > "$W/kd.json" 2>>"$LOG"
n=$(entries "$KDIR/crl/citizen.delta.crl")
row "$have" "kalit-ca crl --delta (1 change)" 1 \
    "$(fsize "$KDIR/crl/citizen.delta.crl")" "$n"

# ---------------------------------------------------------------- report
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo
echo "CRL generation: kalit-ca crl vs openssl ca -gencrl, same issuing CA key ($KEY_TYPE)"
echo "kalit-ca: $KALIT_CA ($("$KALIT_CA" --version 2>/dev/null || echo '?'))"
echo "openssl:  $("$OPENSSL" version)"
echo "machine:  $(nproc 2>/dev/null || echo '?') CPUs, ${CPU:-unknown CPU}; work dir on $(df -P "$W" | awk 'NR == 2 { print $1 }')"
echo
printf '%9s  %-36s %9s %11s %13s %10s\n' "entries" "" "seconds" "peak RSS" \
    "CRL DER bytes" "in CRL"
while IFS='	' read -r size what sec rss _shards bytes n; do
	printf '%9s  %-36s %9.2f %11s %13s %10s\n' "$size" "$what" "$sec" \
	    "$(mb "$rss")" "$bytes" "$n"
done < "$RES"
echo
awk -F '\t' '
	$2 == "kalit-ca crl" { kt[$1] = $3; km[$1] = $4 }
	$2 == "openssl ca -gencrl" { ot[$1] = $3; om[$1] = $4 }
	END {
		for (s in kt)
			if (s in ot && kt[s] > 0 && km[s] > 0)
				printf "%9s entries: openssl/kalit time %.2f, peak RSS %.2f\n",
				    s, ot[s] / kt[s], om[s] / km[s]
	}' "$RES" | sort -n
while IFS='	' read -r s rate; do
	echo "crl_fill (store API, not measured above) at $s: $rate rows/s"
done < "$W/fill"
echo "database: $(cat "$DB"* | wc -c | awk '{ printf "%.0f MB", $1 / 1048576 }') for $have revoked certificates"
grep -h 'MB: relying' "$LOG" | head -n 2 | sed 's/^/warning seen: /' || true
