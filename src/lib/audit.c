/* audit.c: the hash-chained audit log of CA operations */
#include "config.h"

#include "audit.h"
#include "base64.h"
#include "digest.h"
#include "err.h"
#include "log.h"

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
	hex_encode(md, len, out);
	return KALIT_OK;
}

int
audit_start(struct store *s, int64_t *seqp, char hash[STORE_HASH_HEX + 1])
{
	struct store_audit_anchor a;
	int r;

	*seqp = 0;
	hash[0] = '\0';
	if ((r = store_audit_anchor_last(s, &a)) == KALIT_ERR_NOT_FOUND)
		return KALIT_OK;
	if (r != KALIT_OK)
		return r;
	*seqp = a.seq;
	memcpy(hash, a.hash, STORE_HASH_HEX + 1);
	return KALIT_OK;
}

int
audit_last(struct store *s, int64_t *seqp, char hash[STORE_HASH_HEX + 1])
{
	int r;

	if ((r = store_audit_last(s, seqp, hash)) != KALIT_OK || *seqp != 0)
		return r;
	return audit_start(s, seqp, hash);
}

int
audit_head_check(struct store *s, int64_t *seqp,
    char hash[STORE_HASH_HEX + 1])
{
	char head[STORE_HASH_HEX + 1];
	int64_t seq;
	int r;

	if ((r = audit_last(s, seqp, hash)) != KALIT_OK)
		return r;
	if ((r = store_audit_head(s, &seq, head)) == KALIT_ERR_NOT_FOUND) {
		log_msg(LOG_LEVEL_ERROR, "audit log: its recorded head is "
		    "gone; run audit-verify");
		return KALIT_ERR_AUDIT_BROKEN;
	}
	if (r != KALIT_OK)
		return r;
	if (seq != *seqp || strcmp(head, hash) != 0) {
		log_msg(LOG_LEVEL_ERROR, "audit log: it ends at record %"
		    PRId64 ", but the last write recorded record %" PRId64
		    " as its head: records were removed, added or changed "
		    "behind kalit's back; run audit-verify", *seqp, seq);
		return KALIT_ERR_AUDIT_BROKEN;
	}
	return KALIT_OK;
}

int
audit_append_at(struct store *s, struct audit_head *head, const char *actor,
    const char *action, const char *serial, const char *detail)
{
	struct store_audit a;
	int r;

	/* Once a batch: nothing is appended to a log cut short. */
	if (!head->known) {
		if ((r = audit_head_check(s, &head->seq, head->hash)) !=
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

int
audit_chain_next(struct audit_chain *c, const struct store_audit *a)
{
	char hash[STORE_HASH_HEX + 1];

	if (a->seq != c->seq + 1 || audit_hash(c->hash, a, hash) != KALIT_OK ||
	    CRYPTO_memcmp(hash, a->hash, sizeof(hash)) != 0)
		return KALIT_ERR_AUDIT_BROKEN;
	c->seq = a->seq;
	memcpy(c->hash, hash, sizeof(hash));
	c->count++;
	return KALIT_OK;
}

struct verify_state {
	struct audit_chain chain;
	int64_t	 bad;
};

static int
verify_one(const struct store_audit *a, void *arg)
{
	struct verify_state *v = arg;
	int r;

	if ((r = audit_chain_next(&v->chain, a)) != KALIT_OK)
		v->bad = a->seq;
	return r;
}

int
audit_verify(struct store *s, int64_t *countp, int64_t *badp)
{
	struct verify_state v;
	char head[STORE_HASH_HEX + 1];
	int64_t seq;
	int r;

	memset(&v, 0, sizeof(v));
	*countp = 0;
	*badp = 0;
	if ((r = audit_start(s, &v.chain.seq, v.chain.hash)) != KALIT_OK)
		return r;
	r = store_audit_list(s, v.chain.seq, verify_one, &v);
	*countp = v.chain.count;
	if (r == KALIT_ERR_AUDIT_BROKEN) {
		/* a row that cannot be read (v.bad 0) is the next one */
		*badp = v.bad ? v.bad : v.chain.seq + 1;
		return r;
	}
	if (r != KALIT_OK)
		return r;
	/* The chain holds; does it end where the last write left it? */
	if ((r = store_audit_head(s, &seq, head)) == KALIT_ERR_NOT_FOUND ||
	    (r == KALIT_OK && (seq != v.chain.seq ||
	    strcmp(head, v.chain.hash) != 0))) {
		*badp = r == KALIT_OK && seq < v.chain.seq ? seq + 1 :
		    r == KALIT_OK && seq == v.chain.seq ? seq :
		    v.chain.seq + 1;
		return KALIT_ERR_AUDIT_BROKEN;
	}
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
