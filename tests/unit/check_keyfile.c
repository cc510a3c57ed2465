/* check_keyfile.c: unit tests for keyfile.c */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <check.h>

#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "file.h"
#include "keyfile.h"
#include "testpki.h"
#include "testutil.h"

/* Split so that key scanners do not take this file for a key. */
#define PEM_ENC_BEGIN	"-----BEGIN ENCRYPTED " "PRIVATE KEY-----\n"

#define PASS	"correct horse battery staple"

/* A CA, a P-256 key and its citizen-profile certificate; caller frees. */
static void
make_cert(X509 **cap, EVP_PKEY **cakeyp, EVP_PKEY **keyp, X509 **certp)
{
	struct profile *p = tu_profile("citizen");
	X509_NAME *name = tu_name("Holder");

	tu_make_ca(KEY_TYPE_P256, "Test Root", cap, cakeyp);
	*keyp = tu_key(KEY_TYPE_P256);
	*certp = tu_issue(p, name, *keyp, NULL, *cap, *cakeyp);
	X509_NAME_free(name);
	profile_free(p);
}

/* Encodes a PKCS#12 and writes it to tu_dir/name, path into path. */
static void
write_p12(char *path, size_t len, const char *name, EVP_PKEY *key,
    X509 *cert, STACK_OF(X509) *chain, int legacy)
{
	unsigned char *der = NULL;
	size_t derlen = 0;

	ck_assert_err(keyfile_p12_encode(PASS, "my key", key, cert, chain,
	    legacy, &der, &derlen), KALIT_OK);
	ck_assert_ptr_nonnull(der);
	ck_assert_uint_gt(derlen, 100);
	tu_path(path, len, tu_dir, name);
	ck_assert_err(file_write_excl(path, der, derlen), KALIT_OK);
	OPENSSL_free(der);
}

/* Parses a PKCS#12 file from disk; caller frees. */
static PKCS12 *
read_p12(const char *path)
{
	unsigned char *buf = NULL;
	const unsigned char *p;
	size_t len = 0;
	PKCS12 *p12;

	ck_assert_err(file_read(path, KEYFILE_MAX_SIZE, &buf, &len), KALIT_OK);
	p = buf;
	ck_assert_ptr_nonnull(p12 = d2i_PKCS12(NULL, &p, (long)len));
	free(buf);
	return p12;
}

/* NID of the shrouded key bag's encryption algorithm in p12. */
static int
p12_key_alg(PKCS12 *p12)
{
	STACK_OF(PKCS7) *safes;
	STACK_OF(PKCS12_SAFEBAG) *bags;
	const X509_ALGOR *alg;
	const ASN1_OBJECT *obj;
	const X509_SIG *sig;
	int i, j, nid = NID_undef;

	ck_assert_ptr_nonnull(safes = PKCS12_unpack_authsafes(p12));
	for (i = 0; i < sk_PKCS7_num(safes); i++) {
		PKCS7 *p7 = sk_PKCS7_value(safes, i);

		if (OBJ_obj2nid(p7->type) != NID_pkcs7_data)
			continue;
		ck_assert_ptr_nonnull(bags = PKCS12_unpack_p7data(p7));
		for (j = 0; j < sk_PKCS12_SAFEBAG_num(bags); j++) {
			const PKCS12_SAFEBAG *bag =
			    sk_PKCS12_SAFEBAG_value(bags, j);

			if (PKCS12_SAFEBAG_get_nid(bag) !=
			    NID_pkcs8ShroudedKeyBag)
				continue;
			sig = PKCS12_SAFEBAG_get0_pkcs8(bag);
			X509_SIG_get0(sig, &alg, NULL);
			X509_ALGOR_get0(&obj, NULL, NULL, alg);
			nid = OBJ_obj2nid(obj);
		}
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	}
	sk_PKCS7_pop_free(safes, PKCS7_free);
	return nid;
}

START_TEST(test_keyfile_key_type_names)
{
	enum key_type t;
	int i;

	for (i = 0; i < KEY_TYPE__MAX; i++) {
		ck_assert_err(key_type_parse(key_type_name((enum key_type)i),
		    &t), KALIT_OK);
		ck_assert_int_eq(t, i);
	}
	ck_assert_str_eq(key_type_name(KEY_TYPE_P256), "p256");
	ck_assert_str_eq(key_type_name(KEY_TYPE_RSA3072), "rsa3072");
	ck_assert_str_eq(key_type_name(KEY_TYPE__MAX), "unknown");
	ck_assert_err(key_type_parse("rsa2048", &t), KALIT_ERR_KEY_TYPE);
	ck_assert_err(key_type_parse("P256", &t), KALIT_ERR_KEY_TYPE);
	ck_assert_err(key_type_parse("", &t), KALIT_ERR_KEY_TYPE);
	ck_assert_err(key_type_parse("p256 ", &t), KALIT_ERR_KEY_TYPE);
}
END_TEST

START_TEST(test_keyfile_generate_and_classify)
{
	EVP_PKEY *key;
	enum key_type t;

	key = tu_key((enum key_type)_i);
	t = KEY_TYPE__MAX;
	ck_assert_err(key_type_of(key, &t), KALIT_OK);
	ck_assert_int_eq(t, _i);
	switch (_i) {
	case KEY_TYPE_P256:
		ck_assert(EVP_PKEY_is_a(key, "EC"));
		ck_assert_int_eq(EVP_PKEY_get_bits(key), 256);
		ck_assert_ptr_eq(key_sign_md(key), EVP_sha256());
		break;
	case KEY_TYPE_P384:
		ck_assert(EVP_PKEY_is_a(key, "EC"));
		ck_assert_int_eq(EVP_PKEY_get_bits(key), 384);
		ck_assert_ptr_eq(key_sign_md(key), EVP_sha384());
		break;
	case KEY_TYPE_RSA3072:
		ck_assert(EVP_PKEY_is_a(key, "RSA"));
		ck_assert_int_eq(EVP_PKEY_get_bits(key), 3072);
		ck_assert_ptr_eq(key_sign_md(key), EVP_sha256());
		break;
	case KEY_TYPE_ED25519:
		ck_assert(EVP_PKEY_is_a(key, "ED25519"));
		ck_assert_ptr_null(key_sign_md(key));
		break;
	default:
		ck_abort();
	}
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_keyfile_generate_unknown_type)
{
	EVP_PKEY *key = (EVP_PKEY *)&key;

	ck_assert_err(key_generate(KEY_TYPE__MAX, &key), KALIT_ERR_KEY_TYPE);
	ck_assert_ptr_null(key);
	ck_assert_err(key_generate((enum key_type)-1, &key),
	    KALIT_ERR_KEY_TYPE);
}
END_TEST

START_TEST(test_keyfile_rsa2048_is_weak)
{
	EVP_PKEY *key = tu_rsa_key(2048);
	enum key_type t = KEY_TYPE__MAX;

	ck_assert_err(key_type_of(key, &t), KALIT_ERR_CSR_KEY_WEAK);
	ck_assert_int_eq(t, KEY_TYPE__MAX);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_keyfile_other_curves_are_weak)
{
	static const char *const kinds[] = { "P-521", "secp256k1" };
	EVP_PKEY *key;
	enum key_type t;
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		ck_assert_ptr_nonnull(key = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
		    kinds[i]));
		ck_assert_msg(key_type_of(key, &t) == KALIT_ERR_CSR_KEY_WEAK,
		    "%s accepted", kinds[i]);
		EVP_PKEY_free(key);
	}
	ck_assert_ptr_nonnull(key = EVP_PKEY_Q_keygen(NULL, NULL, "ED448"));
	ck_assert_err(key_type_of(key, &t), KALIT_ERR_CSR_KEY_WEAK);
	EVP_PKEY_free(key);
	ck_assert_uint_eq(ERR_peek_error(), 0);
}
END_TEST

START_TEST(test_keyfile_cakey_roundtrip)
{
	char path[PATH_MAX];
	EVP_PKEY *key = tu_key(KEY_TYPE_P384), *loaded = NULL, *other;
	struct stat st;
	char *pem;

	tu_path(path, sizeof(path), tu_dir, "ca.key");
	ck_assert_err(keyfile_write_cakey(path, PASS, key), KALIT_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	pem = tu_read_file(path, NULL);
	ck_assert_msg(strncmp(pem, PEM_ENC_BEGIN,
	    38) == 0, "not encrypted PKCS#8:\n%s", pem);
	free(pem);

	ck_assert_err(keyfile_load_cakey(path, PASS, &loaded), KALIT_OK);
	ck_assert_ptr_nonnull(loaded);
	ck_assert_int_eq(EVP_PKEY_eq(key, loaded), 1);
	EVP_PKEY_free(loaded);

	/* a second write never replaces the key */
	other = tu_key(KEY_TYPE_P256);
	ck_assert_err(keyfile_write_cakey(path, PASS, other),
	    KALIT_ERR_FILE_EXISTS);
	ck_assert_err(keyfile_load_cakey(path, PASS, &loaded), KALIT_OK);
	ck_assert_int_eq(EVP_PKEY_eq(key, loaded), 1);
	EVP_PKEY_free(loaded);
	EVP_PKEY_free(other);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_keyfile_cakey_pbes2_aes256_sha256)
{
	char path[PATH_MAX];
	EVP_PKEY *key = tu_key(KEY_TYPE_ED25519);
	const X509_ALGOR *alg;
	const ASN1_OBJECT *obj;
	const void *param;
	int ptype;
	PBE2PARAM *pbe2;
	PBKDF2PARAM *kdf;
	X509_SIG *sig;
	FILE *f;

	tu_path(path, sizeof(path), tu_dir, "ca.key");
	ck_assert_err(keyfile_write_cakey(path, PASS, key), KALIT_OK);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(sig = PEM_read_PKCS8(f, NULL, NULL, NULL));
	fclose(f);
	X509_SIG_get0(sig, &alg, NULL);
	X509_ALGOR_get0(&obj, &ptype, &param, alg);
	ck_assert_int_eq(OBJ_obj2nid(obj), NID_pbes2);
	ck_assert_int_eq(ptype, V_ASN1_SEQUENCE);
	ck_assert_ptr_nonnull(pbe2 = ASN1_TYPE_unpack_sequence(
	    ASN1_ITEM_rptr(PBE2PARAM), alg->parameter));
	ck_assert_int_eq(OBJ_obj2nid(pbe2->encryption->algorithm),
	    NID_aes_256_cbc);
	ck_assert_int_eq(OBJ_obj2nid(pbe2->keyfunc->algorithm), NID_id_pbkdf2);
	ck_assert_ptr_nonnull(kdf = ASN1_TYPE_unpack_sequence(
	    ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter));
	ck_assert_int_eq(ASN1_INTEGER_get(kdf->iter), KEYFILE_PBKDF2_ITER);
	/* an absent prf means HMAC-SHA1 */
	ck_assert_ptr_nonnull(kdf->prf);
	ck_assert_int_eq(OBJ_obj2nid(kdf->prf->algorithm), NID_hmacWithSHA256);
	PBKDF2PARAM_free(kdf);
	PBE2PARAM_free(pbe2);
	X509_SIG_free(sig);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_keyfile_cakey_wrong_pass)
{
	char path[PATH_MAX];
	EVP_PKEY *key = tu_key(KEY_TYPE_P256), *loaded = (EVP_PKEY *)&key;

	tu_path(path, sizeof(path), tu_dir, "ca.key");
	ck_assert_err(keyfile_write_cakey(path, PASS, key), KALIT_OK);
	ck_assert_err(keyfile_load_cakey(path, "wrong", &loaded),
	    KALIT_ERR_PASSPHRASE);
	ck_assert_ptr_null(loaded);
	ck_assert_err(keyfile_load_cakey(path, PASS "x", &loaded),
	    KALIT_ERR_PASSPHRASE);
	ck_assert_err(keyfile_load_cakey(path, "", &loaded),
	    KALIT_ERR_PASSPHRASE);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_keyfile_cakey_plain_pem_refused)
{
	char path[PATH_MAX];
	EVP_PKEY *key = tu_key(KEY_TYPE_P256), *loaded = (EVP_PKEY *)&key;
	FILE *f;

	tu_path(path, sizeof(path), tu_dir, "plain.key");
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(f);
	ck_assert_err(keyfile_load_cakey(path, PASS, &loaded),
	    KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(loaded);
	/* A clear key followed by a decoy encrypted-key header line. */
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputs(PEM_ENC_BEGIN, f);
	fclose(f);
	ck_assert_err(keyfile_load_cakey(path, PASS, &loaded),
	    KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(loaded);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_keyfile_cakey_garbage_and_missing)
{
	char path[PATH_MAX];
	EVP_PKEY *loaded = NULL;
	static const char junk[] = PEM_ENC_BEGIN
	    "AAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";

	tu_path(path, sizeof(path), tu_dir, "none.key");
	ck_assert_err(keyfile_load_cakey(path, PASS, &loaded), KALIT_ERR_IO);
	ck_assert_ptr_null(loaded);
	tu_path(path, sizeof(path), tu_dir, "junk.key");
	tu_write_file(path, "hello\n", 6);
	ck_assert_err(keyfile_load_cakey(path, PASS, &loaded),
	    KALIT_ERR_MALFORMED);
	tu_path(path, sizeof(path), tu_dir, "junk2.key");
	tu_write_file(path, junk, sizeof(junk) - 1);
	ck_assert_int_ne(keyfile_load_cakey(path, PASS, &loaded), KALIT_OK);
	ck_assert_ptr_null(loaded);
}
END_TEST

START_TEST(test_keyfile_cakey_too_large)
{
	char path[PATH_MAX], *big;
	EVP_PKEY *loaded = NULL;

	ck_assert_ptr_nonnull(big = malloc(KEYFILE_MAX_SIZE + 1));
	memset(big, '\n', KEYFILE_MAX_SIZE + 1);
	tu_path(path, sizeof(path), tu_dir, "big.key");
	tu_write_file(path, big, KEYFILE_MAX_SIZE + 1);
	free(big);
	ck_assert_err(keyfile_load_cakey(path, PASS, &loaded),
	    KALIT_ERR_TOO_LARGE);
	ck_assert_err(keyfile_load_p12(path, PASS, &loaded, (X509 **)&big,
	    NULL), KALIT_ERR_TOO_LARGE);
}
END_TEST

START_TEST(test_keyfile_p12_roundtrip)
{
	char path[PATH_MAX];
	X509 *ca, *cert, *gotcert = NULL;
	EVP_PKEY *cakey, *key, *gotkey = NULL;
	STACK_OF(X509) *chain, *gotchain = NULL;
	PKCS12 *p12;
	const X509_ALGOR *macalg;
	const ASN1_OBJECT *obj;
	const ASN1_INTEGER *iter;
	int legacy = _i;

	make_cert(&ca, &cakey, &key, &cert);
	ck_assert_ptr_nonnull(chain = sk_X509_new_null());
	ck_assert_int_gt(sk_X509_push(chain, ca), 0);
	write_p12(path, sizeof(path), "user.p12", key, cert, chain, legacy);

	ck_assert_err(keyfile_load_p12(path, PASS, &gotkey, &gotcert,
	    &gotchain), KALIT_OK);
	ck_assert_int_eq(EVP_PKEY_eq(key, gotkey), 1);
	ck_assert_int_eq(X509_cmp(cert, gotcert), 0);
	ck_assert_ptr_nonnull(gotchain);
	ck_assert_int_eq(sk_X509_num(gotchain), 1);
	ck_assert_int_eq(X509_cmp(ca, sk_X509_value(gotchain, 0)), 0);
	EVP_PKEY_free(gotkey);
	X509_free(gotcert);
	sk_X509_pop_free(gotchain, X509_free);

	/* chainp may be NULL */
	ck_assert_err(keyfile_load_p12(path, PASS, &gotkey, &gotcert, NULL),
	    KALIT_OK);
	EVP_PKEY_free(gotkey);
	X509_free(gotcert);

	/* the algorithms the header promises */
	p12 = read_p12(path);
	PKCS12_get0_mac(NULL, &macalg, NULL, &iter, p12);
	ck_assert_ptr_nonnull(macalg);
	X509_ALGOR_get0(&obj, NULL, NULL, macalg);
	ck_assert_int_eq(OBJ_obj2nid(obj), legacy ? NID_sha1 : NID_sha256);
	ck_assert_int_eq(ASN1_INTEGER_get(iter), legacy ? PKCS12_DEFAULT_ITER :
	    KEYFILE_PBKDF2_ITER);
	ck_assert_int_eq(p12_key_alg(p12), legacy ?
	    NID_pbe_WithSHA1And3_Key_TripleDES_CBC : NID_pbes2);
	PKCS12_free(p12);

	sk_X509_free(chain);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
}
END_TEST

START_TEST(test_keyfile_p12_wrong_pass)
{
	char path[PATH_MAX];
	X509 *ca, *cert, *gotcert = (X509 *)&ca;
	EVP_PKEY *cakey, *key, *gotkey = (EVP_PKEY *)&key;
	STACK_OF(X509) *gotchain = (STACK_OF(X509) *)&ca;

	make_cert(&ca, &cakey, &key, &cert);
	write_p12(path, sizeof(path), "user.p12", key, cert, NULL, _i);
	ck_assert_err(keyfile_load_p12(path, "wrong", &gotkey, &gotcert,
	    &gotchain), KALIT_ERR_PASSPHRASE);
	ck_assert_ptr_null(gotkey);
	ck_assert_ptr_null(gotcert);
	ck_assert_ptr_null(gotchain);
	ck_assert_err(keyfile_load_p12(path, "", &gotkey, &gotcert, NULL),
	    KALIT_ERR_PASSPHRASE);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
}
END_TEST

START_TEST(test_keyfile_p12_garbage_is_malformed)
{
	char path[PATH_MAX];
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	static const unsigned char junk[] = { 0x30, 0x82, 0x01, 0x00, 0x02 };

	tu_path(path, sizeof(path), tu_dir, "junk.p12");
	tu_write_file(path, junk, sizeof(junk));
	ck_assert_err(keyfile_load_p12(path, PASS, &key, &cert, NULL),
	    KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(key);
	ck_assert_ptr_null(cert);
	tu_path(path, sizeof(path), tu_dir, "text.p12");
	tu_write_file(path, "not pkcs12\n", 11);
	ck_assert_err(keyfile_load_p12(path, PASS, &key, &cert, NULL),
	    KALIT_ERR_MALFORMED);
	tu_path(path, sizeof(path), tu_dir, "empty.p12");
	tu_write_file(path, "", 0);
	ck_assert_err(keyfile_load_p12(path, PASS, &key, &cert, NULL),
	    KALIT_ERR_MALFORMED);
	tu_path(path, sizeof(path), tu_dir, "missing.p12");
	ck_assert_err(keyfile_load_p12(path, PASS, &key, &cert, NULL),
	    KALIT_ERR_IO);
}
END_TEST

START_TEST(test_keyfile_p12_trailing_bytes_malformed)
{
	char path[PATH_MAX];
	X509 *ca, *cert, *gotcert = NULL;
	EVP_PKEY *cakey, *key, *gotkey = NULL;
	unsigned char *der = NULL, *buf;
	size_t len = 0;

	make_cert(&ca, &cakey, &key, &cert);
	ck_assert_err(keyfile_p12_encode(PASS, NULL, key, cert, NULL, 0, &der,
	    &len), KALIT_OK);
	ck_assert_ptr_nonnull(buf = malloc(len + 1));
	memcpy(buf, der, len);
	buf[len] = 0;
	tu_path(path, sizeof(path), tu_dir, "trail.p12");
	tu_write_file(path, buf, len + 1);
	ck_assert_err(keyfile_load_p12(path, PASS, &gotkey, &gotcert, NULL),
	    KALIT_ERR_MALFORMED);
	/* truncated */
	tu_path(path, sizeof(path), tu_dir, "short.p12");
	tu_write_file(path, buf, len - 1);
	ck_assert_err(keyfile_load_p12(path, PASS, &gotkey, &gotcert, NULL),
	    KALIT_ERR_MALFORMED);
	free(buf);
	OPENSSL_free(der);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
}
END_TEST

START_TEST(test_keyfile_p12_without_mac_refused)
{
	char path[PATH_MAX];
	X509 *ca, *cert, *gotcert = NULL;
	EVP_PKEY *cakey, *key, *gotkey = NULL;
	unsigned char *der = NULL;
	PKCS12 *p12;
	int len;

	make_cert(&ca, &cakey, &key, &cert);
	ck_assert_ptr_nonnull(p12 = PKCS12_create_ex(PASS, NULL, key, cert,
	    NULL, NID_aes_256_cbc, NID_aes_256_cbc, 2048, -1, 0, NULL, NULL));
	ck_assert_int_eq(PKCS12_mac_present(p12), 0);
	ck_assert_int_gt(len = i2d_PKCS12(p12, &der), 0);
	tu_path(path, sizeof(path), tu_dir, "nomac.p12");
	tu_write_file(path, der, (size_t)len);
	ck_assert_err(keyfile_load_p12(path, PASS, &gotkey, &gotcert, NULL),
	    KALIT_ERR_PASSPHRASE);
	ck_assert_ptr_null(gotkey);
	OPENSSL_free(der);
	PKCS12_free(p12);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
}
END_TEST

START_TEST(test_keyfile_p12_mismatched_key_refused)
{
	char path[PATH_MAX];
	X509 *ca, *cert, *gotcert = NULL;
	EVP_PKEY *cakey, *key, *other, *gotkey = NULL;
	STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
	STACK_OF(PKCS7) *safes = NULL;
	unsigned char *der = NULL;
	PKCS12 *p12;
	int len, r;

	make_cert(&ca, &cakey, &key, &cert);
	other = tu_key(KEY_TYPE_P256);
	/* PKCS12_create() refuses this, so build the bags by hand */
	ck_assert_ptr_nonnull(PKCS12_add_cert(&bags, cert));
	ck_assert_ptr_nonnull(PKCS12_add_key(&bags, other, 0, 2048,
	    NID_aes_256_cbc, PASS));
	ck_assert_int_eq(PKCS12_add_safe(&safes, bags, -1, 0, NULL), 1);
	ck_assert_ptr_nonnull(p12 = PKCS12_add_safes(safes, 0));
	ck_assert_int_eq(PKCS12_set_mac(p12, PASS, -1, NULL, 0, 2048,
	    EVP_sha256()), 1);
	ck_assert_int_gt(len = i2d_PKCS12(p12, &der), 0);
	tu_path(path, sizeof(path), tu_dir, "mismatch.p12");
	tu_write_file(path, der, (size_t)len);
	r = keyfile_load_p12(path, PASS, &gotkey, &gotcert, NULL);
	/*
	 * OpenSSL's PKCS12_parse() only returns a certificate that matches
	 * the key, so the mismatch shows as "no certificate".
	 */
	ck_assert_msg(r == KALIT_ERR_KEY_MISMATCH || r == KALIT_ERR_MALFORMED,
	    "got %s", kalit_errname(r));
	ck_assert_ptr_null(gotkey);
	ck_assert_ptr_null(gotcert);
	OPENSSL_free(der);
	PKCS12_free(p12);
	sk_PKCS7_pop_free(safes, PKCS7_free);
	sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	EVP_PKEY_free(cakey);
}
END_TEST

#define PATH_CERTS	4	/* root, ca, leaf, another root */

/*
 * keyfile_path() of certs[cert] up to max, with a chain of the certs
 * whose indexes chain lists (NULL: no chain): the path as the string of
 * its certificates' indexes, "" for none.
 */
static void
assert_path(X509 *const certs[PATH_CERTS], int cert, const char *chain,
    int max, const char *want)
{
	STACK_OF(X509) *sk = NULL, *path = NULL;
	char got[16];
	size_t i, j, len = 0;

	if (chain != NULL) {
		ck_assert_ptr_nonnull(sk = sk_X509_new_null());
		for (i = 0; chain[i] != '\0'; i++)
			ck_assert_int_gt(sk_X509_push(sk,
			    certs[chain[i] - '0']), 0);
	}
	ck_assert_err(keyfile_path(certs[cert], sk, max, &path), KALIT_OK);
	ck_assert_ptr_nonnull(path);
	for (i = 0; i < (size_t)sk_X509_num(path); i++) {
		for (j = 0; j < PATH_CERTS; j++)
			if (sk_X509_value(path, (int)i) == certs[j])
				break;
		ck_assert_uint_lt(j, PATH_CERTS);	/* borrowed */
		ck_assert_uint_lt(len, sizeof(got) - 1);
		got[len++] = (char)('0' + j);
	}
	got[len] = '\0';
	ck_assert_str_eq(got, want);
	sk_X509_free(path);
	sk_X509_free(sk);
}

START_TEST(test_keyfile_path_is_issuers_up_to_the_root_left_out)
{
	X509 *certs[PATH_CERTS];
	EVP_PKEY *other_key;
	struct pki p;

	pki_init(&p, NULL, NULL);
	certs[0] = p.root;
	certs[1] = p.ca;
	certs[2] = p.leaf;
	tu_make_ca(KEY_TYPE_P256, "Other Root", &certs[3], &other_key);
	/* the leaf: its CA, not the root, in any order of the key file */
	assert_path(certs, 2, "01", 8, "1");
	assert_path(certs, 2, "3201", 8, "1");
	assert_path(certs, 2, NULL, 8, "");
	/* a gap ends the path: the root did not issue the leaf */
	assert_path(certs, 2, "03", 8, "");
	assert_path(certs, 2, "01", 0, "");
	/* a CA under the root has nothing to send, nor has a root */
	assert_path(certs, 1, "01", 8, "");
	assert_path(certs, 0, "01", 8, "");
	X509_free(certs[3]);
	EVP_PKEY_free(other_key);
	pki_free(&p);
}
END_TEST

static Suite *
keyfile_suite(void)
{
	Suite *s = suite_create("keyfile");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tu_dir_setup, tu_dir_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_keyfile_key_type_names);
	tcase_add_loop_test(tc, test_keyfile_generate_and_classify, 0,
	    KEY_TYPE__MAX);
	tcase_add_test(tc, test_keyfile_generate_unknown_type);
	tcase_add_test(tc, test_keyfile_rsa2048_is_weak);
	tcase_add_test(tc, test_keyfile_other_curves_are_weak);
	tcase_add_test(tc, test_keyfile_cakey_roundtrip);
	tcase_add_test(tc, test_keyfile_cakey_pbes2_aes256_sha256);
	tcase_add_test(tc, test_keyfile_cakey_wrong_pass);
	tcase_add_test(tc, test_keyfile_cakey_plain_pem_refused);
	tcase_add_test(tc, test_keyfile_cakey_garbage_and_missing);
	tcase_add_test(tc, test_keyfile_cakey_too_large);
	/* loop index: 0 modern, 1 legacy */
	tcase_add_loop_test(tc, test_keyfile_p12_roundtrip, 0, 2);
	tcase_add_loop_test(tc, test_keyfile_p12_wrong_pass, 0, 2);
	tcase_add_test(tc, test_keyfile_p12_garbage_is_malformed);
	tcase_add_test(tc, test_keyfile_p12_trailing_bytes_malformed);
	tcase_add_test(tc, test_keyfile_p12_without_mac_refused);
	tcase_add_test(tc, test_keyfile_p12_mismatched_key_refused);
	tcase_add_test(tc, test_keyfile_path_is_issuers_up_to_the_root_left_out);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(keyfile_suite());
}
