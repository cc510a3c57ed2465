/*
 * crl_fill.c: revoked certificates for bench/crl.sh, put into a kalit-ca
 * database through the store API, because issuing and revoking a million
 * certificates one by one takes hours.
 *
 * Each row is a revoked certificate of CA ca with a fresh random serial
 * (x509_serial_new(), as kalit-ca draws them), a revocation time within
 * the last year and an RFC 5280 reason. Its DER is not its own: every
 * row reuses the DER of one certificate kalit-ca really issued (CERT.pem).
 * A CRL reads only the serial, the revocation time and the reason, so that
 * does not change what is measured; it only keeps the database smaller.
 *
 * The same entries are appended to INDEX as `openssl ca` index.txt lines,
 * so that `openssl ca -gencrl` signs the same CRL.
 *
 * usage: crl_fill DB CA CERT.pem COUNT INDEX
 */
#include "config.h"

#include "err.h"
#include "file.h"
#include "store.h"
#include "x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>
#include <openssl/x509.h>

#define BATCH	100000		/* rows per transaction */

/* Revocation reasons openssl ca's index takes without more fields. */
static const struct {
	int		 code;
	const char	*name;
} reasons[] = {
	{ 0, "unspecified" }, { 1, "keyCompromise" },
	{ 3, "affiliationChanged" }, { 4, "superseded" },
	{ 5, "cessationOfOperation" },
};

static int
fail(const char *what, int r)
{
	fprintf(stderr, "crl_fill: %s: %s\n", what, kalit_strerror(r));
	return 1;
}

/* A UTCTime as index.txt has it: YYMMDDHHMMSSZ. */
static void
utc(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int
main(int argc, char **argv)
{
	struct store *s = NULL;
	struct store_cert c;
	unsigned char *pem = NULL, rnd[5];
	X509 *cert = NULL;
	FILE *idx = NULL;
	char serial[X509_SERIAL_HEX_MAX + 1], upper[X509_SERIAL_HEX_MAX + 1];
	char rev[64], exp[64];
	time_t now = time(NULL);
	size_t len, i, k, ri;
	long count;
	int r;

	if (argc != 6 || (count = strtol(argv[4], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: crl_fill DB CA CERT.pem COUNT INDEX\n");
		return 2;
	}
	memset(&c, 0, sizeof(c));
	if ((r = file_read(argv[3], X509_CERT_MAX_SIZE, &pem, &len)) ||
	    (r = x509_parse(pem, len, &cert)) != KALIT_OK ||
	    (r = x509_to_der(cert, &c.der, &c.der_len)) != KALIT_OK)
		return fail(argv[3], r);
	if ((r = store_open(argv[1], 0, &s)) != KALIT_OK)
		return fail(argv[1], r);
	if ((idx = fopen(argv[5], "a")) == NULL) {
		perror(argv[5]);
		return 1;
	}
	snprintf(c.ca, sizeof(c.ca), "%s", argv[2]);
	snprintf(c.profile, sizeof(c.profile), "citizen");
	c.subject = (char *)"CN=bench,C=UZ";
	c.issued = (int64_t)now - 86400 * 400;
	c.not_before = c.issued;
	c.not_after = (int64_t)now + 86400 * 330;
	c.status = STORE_REVOKED;
	utc((time_t)c.not_after, exp, sizeof(exp));
	for (i = 0; i < (size_t)count; i++) {
		if (i % BATCH == 0 && (r = store_begin(s)) != KALIT_OK)
			return fail("begin", r);
		if ((r = x509_serial_new(serial, sizeof(serial))) != KALIT_OK ||
		    RAND_bytes(rnd, sizeof(rnd)) != 1)
			return fail("serial", KALIT_ERR_INTERNAL);
		snprintf(c.serial, sizeof(c.serial), "%s", serial);
		ri = rnd[0] % (sizeof(reasons) / sizeof(reasons[0]));
		c.reason = reasons[ri].code;
		c.revoked_at = (int64_t)now - (int64_t)(((uint32_t)rnd[1] << 24 |
		    (uint32_t)rnd[2] << 16 | (uint32_t)rnd[3] << 8 | rnd[4]) %
		    (86400 * 365));
		if ((r = store_cert_put(s, &c)) != KALIT_OK)
			return fail("insert", r);
		for (k = 0; serial[k] != '\0'; k++)
			upper[k] = (char)(serial[k] >= 'a' ? serial[k] - 32 :
			    serial[k]);
		upper[k] = '\0';
		utc((time_t)c.revoked_at, rev, sizeof(rev));
		fprintf(idx, "R\t%s\t%s,%s\t%s\tunknown\t/C=UZ/CN=bench\n", exp,
		    rev, reasons[ri].name, upper);
		if ((i + 1) % BATCH == 0 || i + 1 == (size_t)count) {
			if ((r = store_commit(s)) != KALIT_OK)
				return fail("commit", r);
			fprintf(stderr, "\rcrl_fill: %zu", i + 1);
		}
	}
	fputc('\n', stderr);
	if (fclose(idx) != 0) {
		perror(argv[5]);
		return 1;
	}
	store_free(s);
	X509_free(cert);
	OPENSSL_free(c.der);
	free(pem);
	return 0;
}
