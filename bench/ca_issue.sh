#!/bin/sh
# ca_issue.sh: kalit-ca against `openssl ca`, with the same issuing CA key
# and certificate: single issuance from a CSR at several database sizes,
# batch issuance, mass revocation and a CRL of many entries.
# See bench/README.md for what is measured and how to read the results.
#
# Environment (all optional):
#   KALIT_CA           kalit-ca binary (default: kalit-ca in the source tree)
#   KALIT_PROFILE_DIR  installed profiles (default: ca/profiles of the source tree)
#   SIZES              certificates already in the databases when the single
#                      issuances are timed, ascending (default "0 10000 100000")
#   N                  single issuances timed per tool and size (default 50)
#   ROUNDS             N is run in this many alternating kalit/openssl rounds,
#                      so that background load hits both alike (default 5)
#   CRL_N              revoked entries in the CRL (default 100000; 0 skips B)
#   OPENSSL            openssl binary (default openssl)
#   BENCH_TMP          where the work directory is made (default $TMPDIR or /tmp)
#   KEEP=1             keep the work directory (default: removed at exit)
BENCH_NAME=ca_issue.sh
. "$(dirname "$0")/ca_lib.sh"

top=$(cd "$(dirname "$0")/.." && pwd)
KALIT_CA=${KALIT_CA:-$top/kalit-ca}
KALIT_PROFILE_DIR=${KALIT_PROFILE_DIR:-$top/ca/profiles}
SIZES=${SIZES:-"0 10000 100000"}
N=${N:-50}
ROUNDS=${ROUNDS:-5}
CRL_N=${CRL_N:-100000}
OPENSSL=${OPENSSL:-openssl}
BENCH_TMP=${BENCH_TMP:-${TMPDIR:-/tmp}}
KEEP=${KEEP:-0}
KALIT_OPERATOR=bench
export KALIT_OPERATOR
bench_kalit_ca
case $N in ''|*[!0-9]*) die "N=$N is not a number" ;; esac
[ "$N" -ge 1 ] || die "N must be at least 1"
case $ROUNDS in ''|*[!0-9]*) die "ROUNDS=$ROUNDS is not a number" ;; esac
[ "$ROUNDS" -ge 1 ] || ROUNDS=1
[ "$ROUNDS" -le "$N" ] || ROUNDS=$N
case $CRL_N in ''|*[!0-9]*) die "CRL_N=$CRL_N is not a number" ;; esac
bench_sizes 0
bench_workdir

# ---------------------------------------------------------------- setup
say "work directory $W"
umask 077
PASS=$W/ca.pass
KDIR=$W/kalit
ODIR=$W/ossl
CSRDIR=$W/csr
OUT=$W/out
mkdir -p "$CSRDIR" "$OUT" "$ODIR/newcerts"
"$OPENSSL" rand -hex 16 > "$PASS"
K() { "$KALIT_CA" -d "$KDIR" "$@"; }

say "creating the CA with kalit-ca (root + citizen issuing CA)"
K init --cn "kalit Bench Root CA" --org "kalit bench" \
    --ca-pass "file:$PASS" >>"$LOG" 2>&1 || die "kalit-ca init failed; see $LOG"
K ca-new --profile citizen --cn "kalit Bench Citizen CA" \
    --ca-pass "file:$PASS" >>"$LOG" 2>&1 || die "kalit-ca ca-new failed; see $LOG"
CA_CRT=$KDIR/certs/citizen.crt
CA_KEY=$KDIR/keys/citizen.key

# A handful of P-256 CSRs, reused (the subject comes from the command line).
NCSR=5
i=0
while [ $i -lt $NCSR ]; do
	"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$CSRDIR/key$i.pem" 2>>"$LOG"
	"$OPENSSL" req -new -key "$CSRDIR/key$i.pem" -subj "/CN=bench $i" \
	    -out "$CSRDIR/req$i.pem" 2>>"$LOG"
	i=$((i + 1))
done
CSR=$CSRDIR/req0.pem

# openssl ca: the same certificate and encrypted key, the same extensions as
# the citizen profile, random serials, index.txt database.
mkocnf() { # DIR
	cat > "$1/openssl.cnf" <<EOF
oid_section = kalit_oids
[kalit_oids]
pinfl = 1.2.860.3.16.1.2
[ca]
default_ca = citizen
[citizen]
dir = $1
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
certificate = $CA_CRT
private_key = $CA_KEY
rand_serial = yes
crlnumber = \$dir/crlnumber
default_md = sha256
default_days = 730
default_crl_days = 7
unique_subject = no
preserve = yes
email_in_dn = no
policy = policy_citizen
x509_extensions = ext_citizen
crl_extensions = ext_crl
[policy_citizen]
countryName = optional
surname = supplied
givenName = supplied
commonName = supplied
pinfl = supplied
[ext_citizen]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 1.3.6.1.5.5.7.13.1
crlDistributionPoints = URI:http://127.0.0.1:8443/crl/citizen.crl
authorityInfoAccess = OCSP;URI:http://127.0.0.1:8443/ocsp, caIssuers;URI:http://127.0.0.1:8443/ca/citizen.crt
[ext_crl]
authorityKeyIdentifier = keyid:always
EOF
	: > "$1/index.txt"
	echo 01 > "$1/crlnumber"
}
mkocnf "$ODIR"
OCNF=$ODIR/openssl.cnf

# Expiry for generated index.txt lines (openssl's UTCTime form).
EXPIRY=$(date -u -d '+730 days' +%y%m%d%H%M%SZ 2>/dev/null) || EXPIRY=351231235959Z
REVDATE=$(date -u +%y%m%d%H%M%SZ)

# One kalit-ca / openssl ca single issuance; PINFL 6xxxxxxxxxxxxx.
SEQ=0
kissue() { # DIR OUTFILE
	SEQ=$((SEQ + 1))
	"$KALIT_CA" -d "$1" issue --profile citizen --given-name Vali \
	    --surname Aliyev --pinfl $((60000000000000 + SEQ)) --csr "$CSR" \
	    --out "$2" --ca-pass "file:$PASS" 2>>"$LOG"
}
oissue() { # CONFIG OUTFILE
	SEQ=$((SEQ + 1))
	"$OPENSSL" ca -batch -config "$1" -passin "file:$PASS" -in "$CSR" \
	    -out "$2" -notext -subj \
	    "/C=UZ/SN=Aliyev/GN=Vali/CN=Aliyev Vali/pinfl=$((60000000000000 + SEQ))" \
	    2>>"$LOG"
}

# JSON Lines for --batch: COUNT lines from ID START, PINFL 5xxxxxxxxxxxxx.
mkbatch() { # START COUNT FILE
	awk -v start="$1" -v n="$2" -v dir="$CSRDIR" -v ncsr=$NCSR 'BEGIN {
		for (j = 0; j < ncsr; j++) {
			f = dir "/req" j ".pem"
			s = ""
			while ((getline l < f) > 0)
				s = s l "\\n"
			close(f)
			csr[j] = s
		}
		for (i = 0; i < n; i++) {
			id = start + i
			printf "{\"given_name\":\"Vali\",\"surname\":\"Aliyev\"," \
			    "\"pinfl\":\"5%013d\",\"csr\":\"%s\"}\n", id, \
			    csr[id % ncsr]
		}
	}' > "$3"
}

# index.txt lines in openssl's format: STATUS EXPIRY REVOKED SERIAL unknown DN.
mkindex() { # START COUNT
	awk -v start="$1" -v n="$2" -v expiry="$EXPIRY" 'BEGIN {
		srand()
		for (i = 0; i < n; i++) {
			id = start + i
			ser = sprintf("5A%08X", id)
			for (k = 0; k < 6; k++)
				ser = ser sprintf("%04X", int(rand() * 65536))
			printf "V\t%s\t\t%s\tunknown\t/C=UZ/SN=Aliyev/GN=Vali" \
			    "/CN=Aliyev Vali/pinfl=5%013d\n", expiry, ser, id
		}
	}'
}

# ---------------------------------------------------------------- warm-up
# Page cache and dynamic linking, on throw-away copies of both databases.
say "warm-up"
cp -R "$KDIR" "$W/warm-kalit"
mkdir -p "$W/warm-ossl/newcerts"
mkocnf "$W/warm-ossl"
kissue "$W/warm-kalit" "$OUT/warm-k.crt" >/dev/null || die "kalit-ca issue failed; see $LOG"
oissue "$W/warm-ossl/openssl.cnf" "$OUT/warm-o.crt" || die "openssl ca failed; see $LOG"
rm -rf "$W/warm-kalit" "$W/warm-ossl"

# Process start-up alone (exec, dynamic linking, no work), for reference:
# both tools pay it once per certificate.
loop_ms() { # CMD...: mean ms of N runs
	_i=0
	_t0=$(now)
	while [ $_i -lt "$N" ]; do
		"$@" >/dev/null 2>&1 || die "$1 failed"
		_i=$((_i + 1))
	done
	_t1=$(now)
	calc "$_t0" "$_t1" "$N" 1000
}
say "start-up baseline ($N runs each)"
BASE_K=$(loop_ms "$KALIT_CA" --version)
BASE_O=$(loop_ms "$OPENSSL" version)

# ---------------------------------------------------------------- A
KCOUNT=0	# certificates in kalit's database (issuing CA citizen)
OCOUNT=0	# lines in openssl's index.txt
BATCH_ID=0
SERIALS=$W/kalit-serials	# every serial kalit issued, in order
: > "$SERIALS"
RES_A=$W/res-a
RES_P=$W/res-pop
: > "$RES_A"
: > "$RES_P"

for S in $SIZES; do
	d=$((S - KCOUNT))
	if [ $d -gt 0 ]; then
		say "kalit-ca: batch issuance of $d certificates ($KCOUNT -> $S)"
		mkbatch $BATCH_ID $d "$W/batch.jsonl"
		BATCH_ID=$((BATCH_ID + d))
		measure "batch-$S" "$KALIT_CA" -d "$KDIR" issue --profile citizen \
		    --batch "$W/batch.jsonl" --ca-pass "file:$PASS" \
		    > "$W/batch.out" 2>>"$LOG"
		got=$(wc -l < "$W/batch.out" | tr -d ' ')
		[ "$got" -eq $d ] || die "batch printed $got serials, not $d"
		cut -f1 "$W/batch.out" >> "$SERIALS"
		printf '%s\t%s\t%s\t%s\t%s\n' "$KCOUNT" "$S" "$d" "$M_SEC" "$M_RSS" >> "$RES_P"
		KCOUNT=$S
		rm -f "$W/batch.jsonl" "$W/batch.out"
	fi
	d=$((S - OCOUNT))
	if [ $d -gt 0 ]; then
		say "openssl ca: writing $d lines into index.txt ($OCOUNT -> $S)"
		mkindex $OCOUNT $d >> "$ODIR/index.txt"
		OCOUNT=$S
	fi

	say "timing $N single issuances each at $S certificates ($ROUNDS rounds, alternating)"
	: > "$W/chunks"
	r=0
	i=0
	while [ $r -lt "$ROUNDS" ]; do
		n=$(( N * (r + 1) / ROUNDS - N * r / ROUNDS ))
		j=0
		t0=$(now)
		while [ $j -lt $n ]; do
			kissue "$KDIR" "$OUT/k-$S-$i-$j.crt" >> "$SERIALS" ||
			    die "kalit-ca issue failed at $S + $i; see $LOG"
			j=$((j + 1))
		done
		t1=$(now)
		echo "k $n $t0 $t1" >> "$W/chunks"
		j=0
		t0=$(now)
		while [ $j -lt $n ]; do
			oissue "$OCNF" "$OUT/o-$S-$i-$j.crt" ||
			    die "openssl ca failed at $S + $i; see $LOG"
			j=$((j + 1))
		done
		t1=$(now)
		echo "o $n $t0 $t1" >> "$W/chunks"
		i=$((i + n))
		r=$((r + 1))
	done
	KCOUNT=$((KCOUNT + N))
	OCOUNT=$((OCOUNT + N))
	# mean over all N, and the lowest and highest round mean
	stats=$(awk '{
		ms = ($4 - $3) * 1000; tot[$1] += ms; n[$1] += $2; m = ms / $2
		if (!($1 in lo) || m < lo[$1]) lo[$1] = m
		if (!($1 in hi) || m > hi[$1]) hi[$1] = m
	} END {
		printf "%.3f\t%.1f\t%.1f\t%.3f\t%.1f\t%.1f", tot["k"] / n["k"],
		    lo["k"], hi["k"], tot["o"] / n["o"], lo["o"], hi["o"]
	}' "$W/chunks")

	kdb=$(cat "$KDIR"/kalit-ca.db* | wc -c | tr -d ' ')
	odb=$(fsize "$ODIR/index.txt")
	printf '%s\t%s\t%s\t%s\n' "$S" "$stats" "$kdb" "$odb" >> "$RES_A"
	say "  kalit-ca $(echo "$stats" | cut -f1) ms/cert, openssl ca $(echo "$stats" | cut -f4) ms/cert"
	# Sanity: the last certificate of each tool chains to the root.
	"$OPENSSL" verify -CAfile "$KDIR/certs/root.crt" -untrusted "$CA_CRT" \
	    "$OUT/k-$S-$((i - n))-$((n - 1)).crt" \
	    "$OUT/o-$S-$((i - n))-$((n - 1)).crt" >>"$LOG" 2>&1 ||
	    die "the issued certificates do not verify; see $LOG"
	rm -f "$OUT"/k-* "$OUT"/o-*
done

# ---------------------------------------------------------------- B
if [ "$CRL_N" -gt 0 ]; then
	have=$(wc -l < "$SERIALS" | tr -d ' ')
	if [ "$have" -lt "$CRL_N" ]; then
		d=$((CRL_N - have))
		say "kalit-ca: batch issuance of $d more certificates to revoke"
		mkbatch $BATCH_ID $d "$W/batch.jsonl"
		BATCH_ID=$((BATCH_ID + d))
		measure batch-crl "$KALIT_CA" -d "$KDIR" issue --profile citizen \
		    --batch "$W/batch.jsonl" --ca-pass "file:$PASS" \
		    > "$W/batch.out" 2>>"$LOG"
		cut -f1 "$W/batch.out" >> "$SERIALS"
		printf '%s\t%s\t%s\t%s\t%s\n' $KCOUNT $((KCOUNT + d)) $d \
		    "$M_SEC" "$M_RSS" >> "$RES_P"
		KCOUNT=$((KCOUNT + d))
		rm -f "$W/batch.jsonl" "$W/batch.out"
	fi
	head -n "$CRL_N" "$SERIALS" > "$W/revoke.txt"

	say "kalit-ca: revoking $CRL_N certificates (one transaction)"
	measure revoke "$KALIT_CA" -d "$KDIR" revoke --serials-from \
	    "$W/revoke.txt" --reason keyCompromise >/dev/null 2>>"$LOG"
	REV_SEC=$M_SEC REV_RSS=$M_RSS

	say "kalit-ca: CRL of $CRL_N entries"
	measure kcrl "$KALIT_CA" -d "$KDIR" --json crl --ca citizen \
	    --ca-pass "file:$PASS" > "$W/kcrl.json" 2>>"$LOG"
	KCRL_SEC=$M_SEC KCRL_RSS=$M_RSS
	KCRL=$KDIR/crl/citizen.crl
	KCRL_DER=$(fsize "$KCRL")
	KCRL_SAID=$(awk -F: '/"entries"/ { gsub(/[ ,]/, "", $2); print $2; exit }' \
	    "$W/kcrl.json")

	# openssl: the same database, with the first CRL_N lines revoked.
	say "openssl ca: index.txt with $CRL_N revoked lines"
	awk -F '\t' -v OFS='\t' -v n="$CRL_N" -v rd="$REVDATE" '
	    $1 == "V" && done < n { $1 = "R"; $3 = rd ",keyCompromise"; done++ }
	    { print }
	    END { if (done < n) print "short " n - done > "/dev/stderr" }' \
	    "$ODIR/index.txt" > "$ODIR/index.new" 2>"$W/short"
	mv "$ODIR/index.new" "$ODIR/index.txt"
	if [ -s "$W/short" ]; then
		d=$(awk '{ print $2 }' "$W/short")
		mkindex "$OCOUNT" "$d" | awk -F '\t' -v OFS='\t' -v rd="$REVDATE" \
		    '{ $1 = "R"; $3 = rd ",keyCompromise"; print }' >> "$ODIR/index.txt"
		OCOUNT=$((OCOUNT + d))
	fi

	say "openssl ca: CRL of $CRL_N entries"
	measure ocrl "$OPENSSL" ca -gencrl -config "$OCNF" -passin "file:$PASS" \
	    -out "$W/ocrl.pem" 2>>"$LOG"
	OCRL_SEC=$M_SEC OCRL_RSS=$M_RSS
	"$OPENSSL" crl -in "$W/ocrl.pem" -outform DER -out "$W/ocrl.der"
	OCRL_DER=$(fsize "$W/ocrl.der")
	OCRL_PEM=$(fsize "$W/ocrl.pem")

	# Count the entries and check the signatures of both CRLs.
	count_crl() { # FILE FORM
		"$OPENSSL" crl -inform "$2" -in "$1" -CAfile "$CA_CRT" -noout \
		    -text 2>>"$LOG" | grep -c '^ *Serial Number:' || true
	}
	KCRL_N=$(count_crl "$KCRL" DER)
	OCRL_N=$(count_crl "$W/ocrl.der" DER)
	"$OPENSSL" crl -inform DER -in "$KCRL" -CAfile "$CA_CRT" -noout \
	    >>"$LOG" 2>&1 || die "kalit's CRL does not verify; see $LOG"
	"$OPENSSL" crl -inform DER -in "$W/ocrl.der" -CAfile "$CA_CRT" -noout \
	    >>"$LOG" 2>&1 || die "openssl's CRL does not verify; see $LOG"
fi

# ---------------------------------------------------------------- report
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo
echo "kalit-ca vs openssl ca, same issuing CA key and certificate (P-256, encrypted PKCS#8)"
echo "kalit-ca: $KALIT_CA ($("$KALIT_CA" --version 2>/dev/null || echo '?'))"
echo "openssl:  $("$OPENSSL" version)"
echo "machine:  $(nproc 2>/dev/null || echo '?') CPUs, ${CPU:-unknown CPU}; work dir on $(df -P "$W" | awk 'NR == 2 { print $1 }')"
echo
echo "A. Single issuance from a CSR, one process per certificate: mean ms/cert of"
echo "   N=$N, in $ROUNDS alternating rounds (lowest-highest round mean in brackets)"
printf '%12s %22s %22s %14s %10s %10s\n' "certs in DB" "kalit-ca ms" \
    "openssl ca ms" "openssl/kalit" "kalit DB" "index.txt"
awk -F '\t' '{ printf "%12d %8.2f (%5.1f-%5.1f) %8.2f (%5.1f-%5.1f) %14.2f %7.1f MB %7.1f MB\n",
    $1, $2, $3, $4, $5, $6, $7, ($2 > 0 ? $5 / $2 : 0), $8 / 1048576,
    $9 / 1048576 }' "$RES_A"
printf '%12s %8.2f %13s %8.2f %13s %s\n' "start-up" "$BASE_K" "" "$BASE_O" "" \
    " (kalit-ca --version, openssl version: exec + linking only)"
if [ -s "$RES_P" ]; then
	echo
	echo "   kalit-ca issue --batch (one transaction per run)"
	printf '%12s %10s %10s %12s %12s\n' "DB before" "certs" "seconds" \
	    "certs/s" "peak RSS"
	while IFS='	' read -r from _to n sec rss; do
		printf '%12d %10d %10.2f %12.0f %12s\n' "$from" "$n" "$sec" \
		    "$(awk -v n="$n" -v s="$sec" 'BEGIN { print (s > 0 ? n / s : 0) }')" \
		    "$(mb "$rss")"
	done < "$RES_P"
fi
if [ "$CRL_N" -gt 0 ]; then
	echo
	echo "B. CRL with $CRL_N revoked entries (database: $KCOUNT certificates)"
	printf '%-36s %9s %10s %10s %12s\n' "" "seconds" "entries" "DER bytes" "peak RSS"
	printf '%-36s %9.2f %10s %10s %12s\n' "kalit-ca crl" "$KCRL_SEC" \
	    "$KCRL_N" "$KCRL_DER" "$(mb "$KCRL_RSS")"
	printf '%-36s %9.2f %10s %10s %12s\n' "openssl ca -gencrl" "$OCRL_SEC" \
	    "$OCRL_N" "$OCRL_DER" "$(mb "$OCRL_RSS")"
	printf '%-36s %9.2f\n' "openssl/kalit (time)" \
	    "$(awk -v a="$KCRL_SEC" -v b="$OCRL_SEC" 'BEGIN { print (a > 0 ? b / a : 0) }')"
	echo "   openssl's CRL as PEM: $OCRL_PEM bytes; kalit-ca --json reported \"entries\": ${KCRL_SAID:-?}"
	printf '%-36s %9.2f %10s %10s %12s\n' "kalit-ca revoke --serials-from" \
	    "$REV_SEC" "$CRL_N" "" "$(mb "$REV_RSS")"
	echo "   ($(awk -v n="$CRL_N" -v s="$REV_SEC" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }') revocations/s)"
	if [ -n "$KCRL_SAID" ] && [ "$KCRL_SAID" != "$KCRL_N" ]; then
		echo "   note: kalit-ca reported $KCRL_SAID entries but its CRL holds $KCRL_N"
	fi
fi
