/* profile.c: certificate profiles read from INI files with inih */
#include "config.h"

#include "profile.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

static const char *const field_names[IDENTITY__MAX] = {
	"given_name", "surname", "cn", "pinfl", "tin", "org", "title",
	"org_tin", "email", "country"
};

const char *
identity_field_name(enum identity_field f)
{
	if ((unsigned int)f >= IDENTITY__MAX)
		return NULL;
	return field_names[f];
}

static int
field_lookup(const char *name, size_t len)
{
	int i;

	for (i = 0; i < IDENTITY__MAX; i++)
		if (strlen(field_names[i]) == len &&
		    strncmp(field_names[i], name, len) == 0)
			return i;
	return -1;
}

/* "given_name, surname, tin?": '?' marks an optional field. */
static int
parse_subject(struct profile *p, const char *v)
{
	const char *s = v, *e;
	size_t len;
	int f, optional;

	p->subject_required = p->subject_allowed = 0;
	while (*s != '\0') {
		while (*s == ' ' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		e = s;
		while (*e != '\0' && *e != ',' && *e != ' ')
			e++;
		len = (size_t)(e - s);
		optional = len > 0 && s[len - 1] == '?';
		if ((f = field_lookup(s, len - (optional ? 1 : 0))) < 0)
			return 0;
		p->subject_allowed |= 1u << f;
		if (!optional)
			p->subject_required |= 1u << f;
		s = e;
	}
	return p->subject_allowed != 0;
}

static int
parse_key_types(struct profile *p, const char *v)
{
	char buf[128], *tok, *save = NULL;
	enum key_type t;

	if (strlen(v) >= sizeof(buf))
		return 0;
	strcpy(buf, v);
	p->key_types = 0;
	for (tok = strtok_r(buf, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		if (key_type_parse(tok, &t) != KALIT_OK)
			return 0;
		p->key_types |= 1u << t;
	}
	return p->key_types != 0;
}

static int
set_string(char **dst, const char *v)
{
	free(*dst);
	return (*dst = strdup(v)) != NULL;
}

static int
profile_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct profile *p = user;
	char *end;
	long days;

	if (strcmp(section, "profile") != 0)
		return 0;
	if (strcmp(name, "kind") == 0) {
		if (strcmp(value, "root") == 0)
			p->kind = PROFILE_ROOT;
		else if (strcmp(value, "ca") == 0)
			p->kind = PROFILE_CA;
		else if (strcmp(value, "end-entity") == 0)
			p->kind = PROFILE_END_ENTITY;
		else
			return 0;
		return 1;
	}
	if (strcmp(name, "days") == 0) {
		days = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || days < 1 || days > 36525)
			return 0;
		p->days = (int)days;
		return 1;
	}
	if (strcmp(name, "key_usage") == 0)
		return set_string(&p->key_usage, value);
	if (strcmp(name, "extended_key_usage") == 0)
		return set_string(&p->extended_key_usage, value);
	if (strcmp(name, "basic_constraints") == 0)
		return set_string(&p->basic_constraints, value);
	if (strcmp(name, "certificate_policies") == 0)
		return set_string(&p->certificate_policies, value);
	if (strcmp(name, "subject") == 0)
		return parse_subject(p, value);
	if (strcmp(name, "key_types") == 0)
		return parse_key_types(p, value);
	if (strcmp(name, "host_names") == 0) {
		if (strcmp(value, "none") == 0)
			p->host_names = PROFILE_HOST_NAMES_NONE;
		else if (strcmp(value, "optional") == 0)
			p->host_names = PROFILE_HOST_NAMES_OPTIONAL;
		else if (strcmp(value, "required") == 0)
			p->host_names = PROFILE_HOST_NAMES_REQUIRED;
		else
			return 0;
		return 1;
	}
	if (strcmp(name, "ocsp_no_check") == 0) {
		if (strcmp(value, "yes") == 0)
			p->ocsp_no_check = 1;
		else if (strcmp(value, "no") == 0)
			p->ocsp_no_check = 0;
		else
			return 0;
		return 1;
	}
	if (strcmp(name, "country") == 0) {
		if (strlen(value) != 2 || value[0] < 'A' || value[0] > 'Z' ||
		    value[1] < 'A' || value[1] > 'Z')
			return 0;
		memcpy(p->country, value, 3);
		return 1;
	}
	return 0;
}

int
profile_name_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > PROFILE_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return 0;
	return 1;
}

int
profile_load(const char *dir, const char *name, struct profile **outp)
{
	struct profile *p = NULL;
	char path[PATH_MAX];
	FILE *f = NULL;
	int r = KALIT_ERR_PROFILE, line;

	*outp = NULL;
	if (!profile_name_valid(name))
		return KALIT_ERR_PROFILE;
	if (snprintf(path, sizeof(path), "%s/%s.conf", dir, name) >=
	    (int)sizeof(path))
		return KALIT_ERR_PROFILE;
	if ((f = fopen(path, "re")) == NULL)
		return KALIT_ERR_PROFILE;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	strcpy(p->name, name);
	p->kind = PROFILE_END_ENTITY;
	memcpy(p->country, "UZ", 3);
	p->key_types = (1u << KEY_TYPE__MAX) - 1;
	if ((line = ini_parse_file(f, profile_handler, p)) != 0) {
		log_msg(LOG_LEVEL_ERROR, "%s:%d: unknown key or bad value",
		    path, line);
		r = KALIT_ERR_CONFIG;
		goto out;
	}
	if (p->days == 0 || p->key_usage == NULL ||
	    (p->kind != PROFILE_ROOT && p->subject_allowed == 0)) {
		log_msg(LOG_LEVEL_ERROR, "%s: days, key_usage and subject are "
		    "required", path);
		r = KALIT_ERR_CONFIG;
		goto out;
	}
	*outp = p;
	p = NULL;
	r = KALIT_OK;
 out:
	if (f != NULL)
		fclose(f);
	profile_free(p);
	return r;
}

void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	free(p->key_usage);
	free(p->extended_key_usage);
	free(p->basic_constraints);
	free(p->certificate_policies);
	free(p);
}
