/*
 * fuzz_challenge.c: a POST /v1/challenge body, and a challenge a login
 * presents, from an attacker
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>

#include "challenge.h"
#include "err.h"
#include "log.h"

#define NOW	1800000000LL

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Small shares: a run reaches rate_limited and server_busy too. */
	static const struct challenge_limits lim = { 120, 1000, 50, 0 };
	static struct challenges *c;
	struct challenge_bind b;
	char id[STORE_CLIENT_ID_MAX + 1], s[CHALLENGE_LEN + 1];
	int64_t retry;

	log_init("fuzz_challenge", -1);
	if (c == NULL && challenges_new(&lim, &c) != KALIT_OK)
		abort();
	/* What do_challenge() does with a body, and a login with the answer. */
	if (challenge_request_parse((const char *)data, size, id) ==
	    KALIT_OK && challenge_bind_init(&b, id) == KALIT_OK &&
	    challenge_issue(c, &b, NOW, s) == KALIT_OK &&
	    challenge_consume(c, s, CHALLENGE_LEN, &b, NULL, NOW, &retry) ==
	    KALIT_ERR_CHALLENGE_CLIENT)
		abort();	/* issued for b, refused for b */
	/* The same bytes as the challenge of a login. */
	if (challenge_bind_init(&b, "portal") == KALIT_OK)
		challenge_consume(c, (const char *)data, size, &b, NULL, NOW,
		    &retry);
	ERR_clear_error();
	return 0;
}
