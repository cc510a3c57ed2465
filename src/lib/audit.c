/* audit.c: the hash-chained audit log of CA operations */
#include "audit.h"
#include "digest.h"
#include "err.h"

#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* Length-prefixed, so no two different records hash the same input. */
static int
hash_field(EVP_MD_CTX *ctx, const char *v)
{
	char len[32];
	size_t n = strlen(v);

	snprintf(len, sizeof(len), "%zu:", n);
	return EVP_DigestUpdate(ctx, len, strlen(len)) &&
	    EVP_DigestUpdate(ctx, v, n);
}

int
audit_hash(const char *prev, const struct store_audit *a,
    char out[STORE_HASH_HEX + 1])
{
	EVP_MD_CTX *ctx;
	unsigned char md[32];
	char num[64];
	unsigned int len = 0;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return KALIT_ERR_NOMEM;
	snprintf(num, sizeof(num), "%" PRId64 ",%" PRId64, a->seq, a->time);
	ok = EVP_DigestInit_ex(ctx, digest_sha256(), NULL) &&
	    hash_field(ctx, prev) && hash_field(ctx, num) &&
	    hash_field(ctx, a->actor) && hash_field(ctx, a->action) &&
	    hash_field(ctx, a->serial) && hash_field(ctx, a->detail) &&
	    EVP_DigestFinal_ex(ctx, md, &len) && len == sizeof(md);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return KALIT_ERR_INTERNAL;
	digest_hex(md, len, out);
	return KALIT_OK;
}

int
audit_append_at(struct store *s, struct audit_head *head, const char *actor,
    const char *action, const char *serial, const char *detail)
{
	struct store_audit a;
	int r;

	if (!head->known) {
		if ((r = store_audit_last(s, &head->seq, head->hash)) !=
		    KALIT_OK)
			return r;
		head->known = 1;
	}
	memset(&a, 0, sizeof(a));
	a.seq = head->seq + 1;
	a.time = (int64_t)time(NULL);
	a.actor = actor;
	a.action = action;
	a.serial = serial != NULL ? serial : "";
	a.detail = detail != NULL ? detail : "";
	if ((r = audit_hash(head->hash, &a, a.hash)) != KALIT_OK ||
	    (r = store_audit_put(s, &a)) != KALIT_OK)
		return r;
	head->seq = a.seq;
	memcpy(head->hash, a.hash, sizeof(head->hash));
	return KALIT_OK;
}

int
audit_append(struct store *s, const char *actor, const char *action,
    const char *serial, const char *detail)
{
	struct audit_head head;

	memset(&head, 0, sizeof(head));
	return audit_append_at(s, &head, actor, action, serial, detail);
}

struct verify_state {
	char	 prev[STORE_HASH_HEX + 1];
	int64_t	 count;
	int64_t	 bad;
};

static int
verify_one(const struct store_audit *a, void *arg)
{
	struct verify_state *v = arg;
	char hash[STORE_HASH_HEX + 1];

	if (a->seq != v->count + 1 ||
	    audit_hash(v->prev, a, hash) != KALIT_OK ||
	    CRYPTO_memcmp(hash, a->hash, sizeof(hash)) != 0) {
		v->bad = a->seq;
		return KALIT_ERR_AUDIT_BROKEN;
	}
	memcpy(v->prev, hash, sizeof(hash));
	v->count++;
	return KALIT_OK;
}

int
audit_verify(struct store *s, int64_t *countp, int64_t *badp)
{
	struct verify_state v;
	int r;

	memset(&v, 0, sizeof(v));
	r = store_audit_list(s, 0, verify_one, &v);
	*countp = v.count;
	*badp = r == KALIT_ERR_AUDIT_BROKEN ? (v.bad ? v.bad : v.count + 1) : 0;
	return r;
}

void
audit_actor(const char *op, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(getuid());
	const char *user = pw != NULL ? pw->pw_name : "?";

	if (op == NULL)
		op = getenv("KALIT_OPERATOR");
	if (op != NULL && op[0] != '\0')
		snprintf(buf, len, "%.64s (%.32s)", op, user);
	else
		snprintf(buf, len, "%.32s", user);
}
