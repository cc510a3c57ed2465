/* driver.c: replays a fuzz target's corpus without libFuzzer (make check) */
#include "config.h"

#include <dirent.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay(const char *path)
{
	unsigned char *buf;
	long len;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)len + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

/*
 * Usage: fuzz_NAME [DIR]. Without DIR, replays $FUZZ_CORPUS/NAME where
 * NAME is the program's name without the "fuzz_" prefix.
 */
int
main(int argc, char **argv)
{
	char dir[4096], path[8192], *base;
	struct dirent *de;
	const char *root = getenv("FUZZ_CORPUS");
	int n = 0;
	DIR *d;

	base = basename(argv[0]);
	if (strncmp(base, "fuzz_", 5) == 0)
		base += 5;
	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	else
		snprintf(dir, sizeof(dir), "%s/%s", root ? root : ".", base);
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "%s: no corpus\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (replay(path) != 0) {
			fprintf(stderr, "%s: cannot read\n", path);
			closedir(d);
			return 1;
		}
		n++;
	}
	closedir(d);
	printf("%s: %d inputs replayed\n", dir, n);
	return n > 0 ? 0 : 1;
}
