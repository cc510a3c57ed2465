/* profile.h: certificate profiles (see kalit-profile(5)) */
#ifndef KALIT_PROFILE_H
#define KALIT_PROFILE_H

#define PROFILE_NAME_MAX	32

enum profile_kind {
	PROFILE_ROOT = 0,
	PROFILE_CA,
	PROFILE_END_ENTITY
};

/* Subject fields, as bits of profile.subject_required / subject_allowed. */
enum identity_field {
	IDENTITY_GIVEN_NAME = 0,
	IDENTITY_SURNAME,
	IDENTITY_CN,
	IDENTITY_PINFL,
	IDENTITY_TIN,
	IDENTITY_ORG,
	IDENTITY_TITLE,
	IDENTITY_ORG_TIN,
	IDENTITY_EMAIL,
	IDENTITY_COUNTRY,
	IDENTITY__MAX
};

/* Host names (subjectAltName dNSName, iPAddress): the host_names key. */
enum profile_host_names {
	PROFILE_HOST_NAMES_NONE = 0,	/* refused: people's certificates */
	PROFILE_HOST_NAMES_OPTIONAL,
	PROFILE_HOST_NAMES_REQUIRED	/* at least one: TLS servers */
};

struct profile {
	char		 name[PROFILE_NAME_MAX + 1];
	enum profile_kind kind;
	int		 days;
	/* x509v3_config(5) values; NULL when the profile leaves them out */
	char		*key_usage;
	char		*extended_key_usage;
	char		*basic_constraints;
	char		*certificate_policies;
	unsigned int	 subject_required;	/* 1u << enum identity_field */
	unsigned int	 subject_allowed;
	char		 country[3];
	unsigned int	 key_types;		/* 1u << enum key_type */
	enum profile_host_names host_names;
	int		 ocsp_no_check;	/* id-pkix-ocsp-nocheck, no CDP/OCSP URL */
};

/*
 * Loads dir/NAME.conf. NAME must be [a-z0-9-]{1,32}. Returns
 * KALIT_ERR_PROFILE for an unknown name and KALIT_ERR_CONFIG (logging the
 * line) for a malformed file. On KALIT_OK, caller frees *outp with
 * profile_free().
 */
int	profile_load(const char *dir, const char *name, struct profile **outp);

void	profile_free(struct profile *p);

/* 1 if name is [a-z0-9-]{1,32}: usable for profile and CA names. */
int	profile_name_valid(const char *name);

/* Field name as used in profiles and JSON ("given_name"), or NULL. */
const char *identity_field_name(enum identity_field f);

#endif
