/* admin.h: kalitd's administration commands (clients, keys, audit log) */
#ifndef KALITD_ADMIN_H
#define KALITD_ADMIN_H

#include <stdint.h>

#include "conf.h"
#include "store.h"

struct admin_opts {
	const char	*acr;		/* --acr */
	int64_t		 at;		/* --at; 0: now */
	int		 json;
	const char	*operator_name;
	int64_t		 before;	/* --before; 0: not given */
	const char	*out;		/* --out */
	const char	*archive;	/* --archive */
	const char	*expect_head;	/* --expect-head */
	/* client add: OpenID Connect registration */
	int		 public_client;	/* --public */
	const char	*auth_method;	/* --auth-method */
	const char	*uris[STORE_URI__MAX][STORE_URIS_MAX];
	int		 nuris[STORE_URI__MAX];	/* more than STORE_URIS_MAX:
						   refused */
	const char	*jwks_file;	/* --jwks */
	const char	*client_name;	/* --client-name */
	/* client add --acr system: an agency's information system */
	const char	*tin;		/* --tin */
	const char	*system_name;	/* --system-name */
	const char	*scope;		/* --scope */
};

/*
 * Runs "client add ID", "client list", "client remove ID", "keygen",
 * "audit verify" or "audit archive" (argv after the options). Prints
 * results to stdout; returns an enum kalit_err code.
 */
int	admin_run(struct config *cfg, const struct admin_opts *o, int argc,
	    char **argv);

#endif
