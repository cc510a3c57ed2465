/* identity.c: who a certificate names: PINFL, TIN and names, Uzbek style */
#include "config.h"

#include "identity.h"
#include "err.h"
#include "log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

/* DN attribute of each field (NID_undef: by OID text, or not in the DN). */
static const struct {
	int		 nid;
	const char	*oid;
} field_attr[IDENTITY__MAX] = {
	[IDENTITY_GIVEN_NAME] = { NID_givenName, NULL },
	[IDENTITY_SURNAME] = { NID_surname, NULL },
	[IDENTITY_CN] = { NID_commonName, NULL },
	[IDENTITY_PINFL] = { NID_undef, IDENTITY_OID_PINFL },
	[IDENTITY_TIN] = { NID_userId, NULL },
	[IDENTITY_ORG] = { NID_organizationName, NULL },
	[IDENTITY_TITLE] = { NID_title, NULL },
	[IDENTITY_ORG_TIN] = { NID_undef, IDENTITY_OID_ORG_TIN },
	[IDENTITY_EMAIL] = { NID_undef, NULL },
	[IDENTITY_COUNTRY] = { NID_countryName, NULL },
};

_Static_assert(IDENTITY_IP_MAX >= INET6_ADDRSTRLEN,
    "IDENTITY_IP_MAX holds any address inet_ntop() writes");

/* Order of the RDNs in the DN, most general first. */
static const enum identity_field dn_order[] = {
	IDENTITY_COUNTRY, IDENTITY_ORG, IDENTITY_ORG_TIN, IDENTITY_TITLE,
	IDENTITY_SURNAME, IDENTITY_GIVEN_NAME, IDENTITY_CN, IDENTITY_PINFL,
	IDENTITY_TIN
};

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
identity_check_pinfl(const char *s)
{
	return all_digits(s, 14) ? KALIT_OK : KALIT_ERR_PINFL;
}

int
identity_check_tin(const char *s)
{
	return all_digits(s, 9) ? KALIT_OK : KALIT_ERR_TIN;
}

/* Control characters (C0, DEL, C1) and bidirectional overrides. */
static int
bad_code_point(unsigned long c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x200e || c == 0x200f || c == 0xfeff;
}

/*
 * Valid UTF-8 of len bytes, of minchars..maxchars characters (maxchars 0:
 * any number), without control or direction-override characters:
 * KALIT_OK, else err. OpenSSL decodes the UTF-8 into UCS-4
 * (UniversalString), whose code points we then inspect.
 */
static int
check_utf8(const char *s, size_t len, int minchars, int maxchars, int err)
{
	ASN1_STRING *str = NULL;
	const unsigned char *p;
	int i, n, r = KALIT_OK;

	if (len > INT_MAX || ASN1_mbstring_ncopy(&str, (const unsigned char *)s,
	    (int)len, MBSTRING_UTF8, B_ASN1_UNIVERSALSTRING, minchars,
	    maxchars) < 0) {
		ERR_clear_error();
		return err;
	}
	p = ASN1_STRING_get0_data(str);
	n = ASN1_STRING_length(str);
	for (i = 0; i + 3 < n; i += 4)
		if (bad_code_point((unsigned long)p[i] << 24 |
		    (unsigned long)p[i + 1] << 16 |
		    (unsigned long)p[i + 2] << 8 | p[i + 3]))
			r = err;
	ASN1_STRING_free(str);
	return r;
}

/*
 * Valid UTF-8 of 1..IDENTITY_NAME_MAX characters without control or
 * direction-override characters.
 */
int
identity_check_name(const char *s)
{
	return check_utf8(s, strlen(s), 1, IDENTITY_NAME_MAX,
	    KALIT_ERR_SUBJECT);
}

static int
check_email(const char *s)
{
	const char *at = strchr(s, '@');
	const char *p;

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') ||
	    strlen(s) > IDENTITY_EMAIL_MAX)
		return KALIT_ERR_SUBJECT;
	for (p = s; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == ',' || *p == '<' ||
		    *p == '>')
			return KALIT_ERR_SUBJECT;
	return KALIT_OK;
}

int
identity_set(struct identity *id, enum identity_field f, const char *value)
{
	int r;
	char *copy;

	switch (f) {
	case IDENTITY_PINFL:
		r = identity_check_pinfl(value);
		break;
	case IDENTITY_TIN:
	case IDENTITY_ORG_TIN:
		r = identity_check_tin(value);
		break;
	case IDENTITY_EMAIL:
		r = check_email(value);
		break;
	case IDENTITY_COUNTRY:
		r = strlen(value) == 2 && value[0] >= 'A' && value[0] <= 'Z' &&
		    value[1] >= 'A' && value[1] <= 'Z' ? KALIT_OK :
		    KALIT_ERR_SUBJECT;
		break;
	default:
		if ((unsigned int)f >= IDENTITY__MAX)
			return KALIT_ERR_INTERNAL;
		r = identity_check_name(value);
		break;
	}
	if (r != KALIT_OK) {
		/* The value is not echoed: it may hold terminal escapes. */
		log_msg(LOG_LEVEL_ERROR, "%s: the value given is not valid",
		    identity_field_name(f));
		return r;
	}
	if ((copy = strdup(value)) == NULL)
		return KALIT_ERR_NOMEM;
	free(id->field[f]);
	id->field[f] = copy;
	return KALIT_OK;
}

/* Why s is not a host name (see identity_check_dns()), or NULL. */
static const char *
dns_fault(const char *s)
{
	size_t i, label = 0, len = strlen(s);
	int digits = 1;

	if (len == 0 || len > IDENTITY_DNS_MAX)
		return "it is not 1 to 253 characters long";
	if (strchr(s, '*') != NULL)
		return "wildcard names are not issued";
	if (s[len - 1] == '.')
		return "it ends with a dot";
	for (i = 0; i <= len; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			if (label == 0)
				return "it has an empty label";
			if (s[i - 1] == '-')
				return "a label ends with '-'";
			if (c == '\0' && digits)
				return "its last label is all digits (an "
				    "address? use --ip)";
			label = 0;
			digits = 1;
			continue;
		}
		if (++label > 63)
			return "a label is longer than 63 characters";
		if (c == '-' && label == 1)
			return "a label starts with '-'";
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return "it has characters other than letters, digits, "
			    "'-' and '.'";
		if (c < '0' || c > '9')
			digits = 0;
	}
	return NULL;
}

int
identity_check_dns(const char *s, char out[IDENTITY_DNS_MAX + 1])
{
	const char *why;
	size_t i;

	if ((why = dns_fault(s)) != NULL) {
		/* The name is not echoed: it may hold terminal escapes. */
		log_msg(LOG_LEVEL_ERROR, "dns: the name given is not valid: "
		    "%s", why);
		return KALIT_ERR_SUBJECT;
	}
	for (i = 0; s[i] != '\0'; i++)
		out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') :
		    s[i];
	out[i] = '\0';
	return KALIT_OK;
}

int
identity_check_ip(const char *s, char out[IDENTITY_IP_MAX])
{
	unsigned char addr[sizeof(struct in6_addr)];
	int af = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;

	if (inet_pton(af, s, addr) != 1 ||
	    inet_ntop(af, addr, out, IDENTITY_IP_MAX) == NULL) {
		log_msg(LOG_LEVEL_ERROR, "ip: the address given is not an "
		    "IPv4 or IPv6 address");
		return KALIT_ERR_SUBJECT;
	}
	return KALIT_OK;
}

/* Adds a copy of the canonical name to list, unless it is there already. */
static int
add_host(struct identity *id, char **list, size_t *np, const char *name)
{
	size_t i;

	for (i = 0; i < *np; i++)
		if (strcmp(list[i], name) == 0)
			return KALIT_OK;
	if (id->n_dns + id->n_ip >= IDENTITY_HOSTS_MAX) {
		log_msg(LOG_LEVEL_ERROR, "at most %d host names (DNS names and "
		    "IP addresses)", IDENTITY_HOSTS_MAX);
		return KALIT_ERR_SUBJECT;
	}
	if ((list[*np] = strdup(name)) == NULL)
		return KALIT_ERR_NOMEM;
	(*np)++;
	return KALIT_OK;
}

int
identity_add_dns(struct identity *id, const char *name)
{
	char canon[IDENTITY_DNS_MAX + 1];
	int r;

	if ((r = identity_check_dns(name, canon)) != KALIT_OK)
		return r;
	return add_host(id, id->dns, &id->n_dns, canon);
}

int
identity_add_ip(struct identity *id, const char *addr)
{
	char canon[IDENTITY_IP_MAX];
	int r;

	if ((r = identity_check_ip(addr, canon)) != KALIT_OK)
		return r;
	return add_host(id, id->ip, &id->n_ip, canon);
}

/* Host names as the profile's host_names key says. */
static int
check_hosts(const struct identity *id, const struct profile *p)
{
	size_t n = id->n_dns + id->n_ip;

	if (n > 0 && p->host_names == PROFILE_HOST_NAMES_NONE) {
		log_msg(LOG_LEVEL_ERROR, "profile %s does not allow host names "
		    "(--dns, --ip)", p->name);
		return KALIT_ERR_SUBJECT;
	}
	if (n == 0 && p->host_names == PROFILE_HOST_NAMES_REQUIRED) {
		log_msg(LOG_LEVEL_ERROR, "profile %s requires a host name "
		    "(--dns or --ip)", p->name);
		return KALIT_ERR_SUBJECT;
	}
	return KALIT_OK;
}

/*
 * A server's CN is one of its host names (RFC 6125 section 6.4.4): the
 * first that fits in a CN (64 characters).
 */
static int
host_cn(struct identity *id)
{
	size_t i;

	for (i = 0; i < id->n_dns; i++)
		if (strlen(id->dns[i]) <= IDENTITY_NAME_MAX)
			return identity_set(id, IDENTITY_CN, id->dns[i]);
	if (id->n_ip > 0)
		return identity_set(id, IDENTITY_CN, id->ip[0]);
	return KALIT_OK;
}

int
identity_complete(struct identity *id, const struct profile *p)
{
	char cn[2 * 4 * IDENTITY_NAME_MAX + 2];
	int f, r;

	if (id->field[IDENTITY_COUNTRY] == NULL &&
	    (r = identity_set(id, IDENTITY_COUNTRY, p->country)) != KALIT_OK)
		return r;
	if (id->field[IDENTITY_CN] == NULL &&
	    id->field[IDENTITY_SURNAME] != NULL &&
	    id->field[IDENTITY_GIVEN_NAME] != NULL) {
		snprintf(cn, sizeof(cn), "%s %s", id->field[IDENTITY_SURNAME],
		    id->field[IDENTITY_GIVEN_NAME]);
		if ((r = identity_set(id, IDENTITY_CN, cn)) != KALIT_OK)
			return r;
	}
	if ((r = check_hosts(id, p)) != KALIT_OK ||
	    (id->field[IDENTITY_CN] == NULL && (r = host_cn(id)) != KALIT_OK))
		return r;
	for (f = 0; f < IDENTITY__MAX; f++) {
		unsigned int bit = 1u << f;

		if (f == IDENTITY_COUNTRY || f == IDENTITY_CN)
			bit = 0;	/* defaults, always allowed */
		if (id->field[f] == NULL && (p->subject_required & bit)) {
			log_msg(LOG_LEVEL_ERROR, "profile %s requires %s",
			    p->name, identity_field_name(f));
			return KALIT_ERR_SUBJECT;
		}
		if (id->field[f] != NULL && bit != 0 &&
		    !(p->subject_allowed & bit)) {
			log_msg(LOG_LEVEL_ERROR, "profile %s does not allow %s",
			    p->name, identity_field_name(f));
			return KALIT_ERR_SUBJECT;
		}
	}
	if (id->field[IDENTITY_CN] == NULL) {
		log_msg(LOG_LEVEL_ERROR, "a common name is required");
		return KALIT_ERR_SUBJECT;
	}
	return KALIT_OK;
}

static ASN1_OBJECT *
field_object(enum identity_field f)
{
	if (field_attr[f].oid != NULL)
		return OBJ_txt2obj(field_attr[f].oid, 1);
	return OBJ_nid2obj(field_attr[f].nid);
}

int
identity_to_name(const struct identity *id, X509_NAME **namep)
{
	X509_NAME *name;
	ASN1_OBJECT *obj;
	size_t i;
	int ok;

	*namep = NULL;
	if ((name = X509_NAME_new()) == NULL)
		return KALIT_ERR_NOMEM;
	for (i = 0; i < sizeof(dn_order) / sizeof(dn_order[0]); i++) {
		enum identity_field f = dn_order[i];

		if (id->field[f] == NULL)
			continue;
		if ((obj = field_object(f)) == NULL) {
			X509_NAME_free(name);
			return KALIT_ERR_NOMEM;
		}
		ok = X509_NAME_add_entry_by_OBJ(name, obj, MBSTRING_UTF8,
		    (const unsigned char *)id->field[f], -1, -1, 0);
		ASN1_OBJECT_free(obj);
		if (!ok) {
			log_ssl(LOG_LEVEL_ERROR, "X509_NAME_add_entry_by_OBJ");
			X509_NAME_free(name);
			return KALIT_ERR_SUBJECT;
		}
	}
	*namep = name;
	return KALIT_OK;
}

static int
field_of_object(const ASN1_OBJECT *obj)
{
	char oid[64];
	int f, nid = OBJ_obj2nid(obj);

	if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
		return -1;
	for (f = 0; f < IDENTITY__MAX; f++) {
		if (field_attr[f].oid != NULL &&
		    strcmp(field_attr[f].oid, oid) == 0)
			return f;
		if (field_attr[f].nid != NID_undef && field_attr[f].nid == nid)
			return f;
	}
	return -1;
}

/*
 * A certificate's value as text kalit may show: UTF-8, as OpenSSL converts
 * it, without control or direction-override characters (a NUL inside
 * would cut it short: "<PINFL>\0junk"); in IA5String (a SAN's email or
 * DNS name) ASCII only, which OpenSSL would take as Latin-1. Else
 * KALIT_ERR_CERT_IDENTITY.
 */
static int
copy_text(const ASN1_STRING *s, char **outp)
{
	unsigned char *utf8 = NULL;
	int i, len;

	if (ASN1_STRING_type(s) == V_ASN1_IA5STRING)
		for (i = 0; i < ASN1_STRING_length(s); i++)
			if (ASN1_STRING_get0_data(s)[i] >= 0x80)
				return KALIT_ERR_CERT_IDENTITY;
	if ((len = ASN1_STRING_to_UTF8(&utf8, s)) < 0) {
		ERR_clear_error();
		return KALIT_ERR_CERT_IDENTITY;
	}
	if (check_utf8((char *)utf8, (size_t)len, 0, 0,
	    KALIT_ERR_CERT_IDENTITY) != KALIT_OK) {
		OPENSSL_free(utf8);
		return KALIT_ERR_CERT_IDENTITY;
	}
	*outp = strndup((char *)utf8, (size_t)len);
	OPENSSL_free(utf8);
	return *outp == NULL ? KALIT_ERR_NOMEM : KALIT_OK;
}

/*
 * Counts field f once more in *seen: KALIT_ERR_CERT_IDENTITY, logged,
 * when it was seen already. Only the field's name is logged, never a
 * value.
 */
static int
seen_once(unsigned int *seen, int f, const char *where)
{
	if (*seen & (1u << f)) {
		log_msg(LOG_LEVEL_INFO, "certificate identity: %s given more "
		    "than once (%s)", identity_field_name(f), where);
		return KALIT_ERR_CERT_IDENTITY;
	}
	*seen |= 1u << f;
	return KALIT_OK;
}

/*
 * The identity attributes of a SAN directoryName: kalit reads none of
 * them, but one that the subject also has names its holder twice.
 */
static int
dirname_seen(const X509_NAME *name, unsigned int *seen)
{
	int i, f, r;

	for (i = 0; i < X509_NAME_entry_count(name); i++) {
		f = field_of_object(X509_NAME_ENTRY_get_object(
		    X509_NAME_get_entry(name, i)));
		if (f >= 0 && (r = seen_once(seen, f, "subject alternative "
		    "name directoryName")) != KALIT_OK)
			return r;
	}
	return KALIT_OK;
}

/* A SAN's email address or DNS name, as copy_text() takes it: logged. */
static int
copy_san_text(const ASN1_STRING *v, char **outp)
{
	int r;

	if ((r = copy_text(v, outp)) == KALIT_ERR_CERT_IDENTITY)
		log_msg(LOG_LEVEL_INFO, "certificate identity: an email "
		    "address or DNS name of the subject alternative name is not "
		    "ASCII text without control characters");
	return r;
}

/* One subjectAltName entry: the email, DNS names and addresses. */
static int
san_to_identity(const GENERAL_NAME *gn, struct identity *id,
    unsigned int *seen)
{
	char ip[IDENTITY_IP_MAX], *dns = NULL;
	const ASN1_STRING *v;
	void *value;
	int type, r;

	value = GENERAL_NAME_get0_value(gn, &type);
	v = value;
	switch (type) {
	case GEN_DIRNAME:
		return dirname_seen(value, seen);
	case GEN_EMAIL:
		if ((r = seen_once(seen, IDENTITY_EMAIL, "subject alternative "
		    "name")) != KALIT_OK)
			return r;
		return copy_san_text(v, &id->field[IDENTITY_EMAIL]);
	case GEN_DNS:
		if ((r = copy_san_text(v, &dns)) == KALIT_OK &&
		    id->n_dns + id->n_ip < IDENTITY_HOSTS_MAX)
			r = add_host(id, id->dns, &id->n_dns, dns);
		free(dns);
		return r;
	case GEN_IPADD:
		if (id->n_dns + id->n_ip >= IDENTITY_HOSTS_MAX ||
		    (ASN1_STRING_length(v) != 4 &&
		    ASN1_STRING_length(v) != 16) ||
		    inet_ntop(ASN1_STRING_length(v) == 4 ? AF_INET : AF_INET6,
		    ASN1_STRING_get0_data(v), ip, sizeof(ip)) == NULL)
			return KALIT_OK;
		return add_host(id, id->ip, &id->n_ip, ip);
	default:
		return KALIT_OK;
	}
}

/* The subjectAltName entries; one malformed extension, or two, refused. */
static int
sans_to_identity(X509 *cert, struct identity *id, unsigned int *seen)
{
	GENERAL_NAMES *sans;
	int i, crit = -1, r = KALIT_OK;

	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
	if (sans == NULL && crit != -1) {
		ERR_clear_error();
		log_msg(LOG_LEVEL_INFO, "certificate identity: the subject "
		    "alternative name is malformed or given twice");
		return KALIT_ERR_CERT_IDENTITY;
	}
	for (i = 0; r == KALIT_OK && i < sk_GENERAL_NAME_num(sans); i++)
		r = san_to_identity(sk_GENERAL_NAME_value(sans, i), id, seen);
	GENERAL_NAMES_free(sans);
	return r;
}

int
identity_from_cert(X509 *cert, struct identity *id)
{
	const X509_NAME *name = X509_get_subject_name(cert);
	unsigned int seen = 0;
	int i, f, r = KALIT_OK;

	memset(id, 0, sizeof(*id));
	for (i = 0; r == KALIT_OK && i < X509_NAME_entry_count(name); i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);

		if ((f = field_of_object(X509_NAME_ENTRY_get_object(e))) < 0)
			continue;
		if ((r = seen_once(&seen, f, "subject")) == KALIT_OK &&
		    (r = copy_text(X509_NAME_ENTRY_get_data(e),
		    &id->field[f])) == KALIT_ERR_CERT_IDENTITY)
			log_msg(LOG_LEVEL_INFO, "certificate identity: %s is "
			    "not UTF-8 text without control or bidirectional "
			    "characters", identity_field_name(f));
	}
	if (r == KALIT_OK)
		r = sans_to_identity(cert, id, &seen);
	if (r != KALIT_OK)
		identity_clear(id);
	return r;
}

void
identity_clear(struct identity *id)
{
	size_t i;
	int f;

	for (f = 0; f < IDENTITY__MAX; f++) {
		free(id->field[f]);
		id->field[f] = NULL;
	}
	for (i = 0; i < id->n_dns; i++)
		free(id->dns[i]);
	for (i = 0; i < id->n_ip; i++)
		free(id->ip[i]);
	memset(id->dns, 0, sizeof(id->dns));
	memset(id->ip, 0, sizeof(id->ip));
	id->n_dns = id->n_ip = 0;
}
