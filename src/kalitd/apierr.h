/* apierr.h: what a client sees of an error: its HTTP status and public code */
#ifndef KALITD_APIERR_H
#define KALITD_APIERR_H

/*
 * The HTTP status of err (an enum kalit_err; KALIT_OK is 200): 401 for a
 * signature or a client that did not prove itself, 403 for a certificate
 * that may not log in, 413, 429, 503 for what may work later, 500 for
 * the server's own failures, 400 for everything else.
 */
unsigned int apierr_status(int err);

/*
 * The public code of err, stable and listed in kalitd(8) and
 * docs/api.md: kalit_errname(err), but request_malformed,
 * request_too_large, invalid_client and server_busy for the four codes
 * OAuth clients know by those names, and server_error for every error
 * with status 500 (its detail is the server's business). Static storage.
 */
const char *apierr_code(int err);

#endif
