/* file.h - the one whole-file reader: every config, workload, spec, JSON
 * report and sweep log that is read in one piece goes through here.
 *
 * A file is read to its end into one malloc'd, NUL-terminated buffer
 * (NULs inside are kept; *len says where the file ends). Regular files are
 * sized first, so one larger than max is refused before any byte is read;
 * pipes and other streams are read in growing chunks up to the same bound.
 */
#ifndef ATTN_FILE_H
#define ATTN_FILE_H

#include <stddef.h>

#include "err.h"

/* The whole of path (caller frees), its length in *len; or NULL with e
 * set: ERR_BAD_INPUT when it cannot be opened (missing, a directory),
 * cannot be read, or holds more than max bytes; ERR_RUN when memory runs
 * out. key NULL: "path: cannot open: why"; else the located form
 * "path: key: cannot open: why". Too large: "path: key: file too large
 * (got N bytes, expected at most max)", key "(file)" when NULL. */
char *file_read_all(const char *path, size_t max, const char *key,
                    size_t *len, err_t *e);
/* The first max bytes of path, or all of it when shorter (caller frees);
 * *len as above (len may be NULL). NULL when it cannot be opened or read,
 * or memory runs out; nothing is reported. For logs: their head is
 * enough. */
char *file_read_head(const char *path, size_t max, size_t *len);

#endif
