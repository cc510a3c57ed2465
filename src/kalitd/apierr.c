/* apierr.c: the error → HTTP status and public code policy */
#include "config.h"
#include "apierr.h"
#include "err.h"

unsigned int
apierr_status(int err)
{
	switch (err) {
	case KALIT_OK:
		return 200;
	case KALIT_ERR_SIGNATURE:
	case KALIT_ERR_CERT_UNTRUSTED:
	case KALIT_ERR_CERT_EXPIRED:
	case KALIT_ERR_CERT_NOT_YET_VALID:
	case KALIT_ERR_CERT_REVOKED:
	case KALIT_ERR_CERT_ON_HOLD:
	case KALIT_ERR_CLIENT_AUTH:
	case KALIT_ERR_SIG_ALGORITHM:
		return 401;
	case KALIT_ERR_CERT_PURPOSE:
	case KALIT_ERR_CERT_POLICY:
	case KALIT_ERR_CERT_IDENTITY:
	case KALIT_ERR_CERT_NO_POLICY:
	case KALIT_ERR_CERT_KEY_WEAK:
		return 403;
	case KALIT_ERR_RATE_LIMITED:
		return 429;
	case KALIT_ERR_TOO_LARGE:
		return 413;
	case KALIT_ERR_REVOCATION_UNKNOWN:
	case KALIT_ERR_BUSY:
		return 503;
	case KALIT_ERR_NOMEM:
	case KALIT_ERR_INTERNAL:
	case KALIT_ERR_DB:
	case KALIT_ERR_IO:
	case KALIT_ERR_CONFIG:
	case KALIT_ERR_AUDIT_BROKEN:	/* the record cannot be written */
	case KALIT_ERR_SERVER:		/* a server kalitd asked refused */
		return 500;
	case KALIT_ERR_WEBEID_FORMAT:	/* from webeid_parse(), passed on */
	default:
		return 400;
	}
}

const char *
apierr_code(int err)
{
	switch (err) {
	case KALIT_ERR_MALFORMED:
		return "request_malformed";
	case KALIT_ERR_TOO_LARGE:
		return "request_too_large";
	case KALIT_ERR_CLIENT_AUTH:
		return "invalid_client";
	case KALIT_ERR_BUSY:
		return "server_busy";
	default:
		return apierr_status(err) == 500 ? "server_error" :
		    kalit_errname(err);
	}
}
