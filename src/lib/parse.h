/* parse.h: numbers and dates from command lines and configuration files */
#ifndef KALIT_PARSE_H
#define KALIT_PARSE_H

#include <stdint.h>

/*
 * Parses all of s as a decimal integer within [min, max] into *out.
 * Returns 1 on success, 0 (leaving *out alone) otherwise.
 */
int	parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int	parse_int(const char *s, int min, int max, int *out);

/*
 * Parses all of s as a UTC date, "2026-11-23" (its midnight) or
 * "2026-11-23T10:00:00Z", into seconds since the epoch. Returns 1 on
 * success, 0 (leaving *out alone) otherwise.
 */
int	parse_time(const char *s, int64_t *out);

/*
 * A size in bytes: decimal digits with an optional suffix K, M or G
 * (binary: 1024, 1024^2, 1024^3), within [min, max] bytes. Returns 1 on
 * success, 0 (leaving *out alone) otherwise.
 */
int	parse_bytes(const char *s, int64_t min, int64_t max, int64_t *out);

#endif
