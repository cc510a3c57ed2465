/* tls.h: kalitd's TLS server certificate, from a kalit-ca key file */
#ifndef KALITD_TLS_H
#define KALITD_TLS_H

#define TLS_PRIORITIES	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/*
 * Opens the PKCS#12 key file p12 with pass and returns, for
 * libmicrohttpd/GnuTLS, the certificate followed by its CA certificates
 * (*certp) and the private key (*keyp), both PEM. The certificate must
 * allow serverAuth (KALIT_ERR_CERT_PURPOSE otherwise). Caller frees *certp
 * with free() and *keyp with tls_key_free().
 */
int	tls_load(const char *p12, const char *pass, char **certp, char **keyp);
void	tls_key_free(char *key);

#endif
