/*
 * webeid_verify.c: webeid_parse() and webeid_verify() of a token file, for
 * webeid_node.sh. Usage: webeid_verify ORIGIN CHALLENGE FILE. Prints the
 * result's kalit_errname() ("ok") on stdout and the why on stderr; exits 0
 * when it could judge the file, 2 otherwise.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "log.h"
#include "webeid.h"

int
main(int argc, char **argv)
{
	static char buf[2 * WEBEID_TOKEN_MAX];	/* larger ones are judged */
	struct webeid_token t;
	const char *why = NULL;
	size_t len;
	FILE *f;
	int r;

	log_init("webeid_verify", -1);
	if (argc != 4) {
		fprintf(stderr, "usage: webeid_verify ORIGIN CHALLENGE FILE\n");
		return 2;
	}
	if ((f = fopen(argv[3], "rb")) == NULL) {
		perror(argv[3]);
		return 2;
	}
	len = fread(buf, 1, sizeof(buf), f);
	if (ferror(f)) {
		perror(argv[3]);
		fclose(f);
		return 2;
	}
	fclose(f);
	if ((r = webeid_parse(buf, len, NULL, &t, &why)) == KALIT_OK) {
		r = webeid_verify(&t, argv[1], argv[2], &why);
		webeid_token_clear(&t);
	}
	printf("%s\n", kalit_errname(r));
	if (why != NULL)
		fprintf(stderr, "%s\n", why);
	return 0;
}
