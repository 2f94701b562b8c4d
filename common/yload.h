/* yload.h - strict YAML loading driven by a schema table.
 *
 * A schema is one table of keys. Each key names a dotted path ("dram.channels")
 * whose nested YAML mappings lead to a scalar, the field it fills (offsetof
 * into the target struct), its default (as YAML flow text), its range, unit
 * and a one-line doc. The same table drives loading, "key=value" overrides,
 * the canonical text used for hashing and trace headers, YAML dumps and the
 * Markdown reference.
 *
 * Scalars are parsed strictly:
 *   int/int64 : plain decimal [-+]?(0|[1-9][0-9]*); no 010, 1_6, 0x10, 1.0
 *   uint64    : as int, without a sign
 *   float     : plain [-+]?(digits[.digits]|.digits)([eE][-+]?digits)?;
 *               no inf/nan, no leading zeros before the point
 *   bool      : plain true or false
 *   enum      : one of the choices ("a|b"), quoted or not
 *   string    : any scalar (quoted keeps spaces and escapes)
 *   int list  : a sequence of ints, or one int meaning a list of one
 * Quoted scalars are rejected for numeric and bool keys.
 *
 * Every error is "origin:line:col: key: what is wrong (got X, expected Y)"
 * with status ERR_BAD_INPUT; line/col are 1-based and point at the offending
 * key (unknown, duplicate) or value (type, range). On error nothing is
 * written for the failing key; yl_load may have written earlier keys, so
 * callers load into a copy.
 */
#ifndef ATTN_YLOAD_H
#define ATTN_YLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define YL_LIST_MAX 256 /* most entries a list may declare (decode.prompt) */

typedef enum {
  YL_INT,      /* int */
  YL_INT64,    /* int64_t */
  YL_UINT64,   /* uint64_t, full range (min/max ignored) */
  YL_DOUBLE,   /* double, always finite */
  YL_BOOL,     /* bool */
  YL_STRING,   /* char[size], NUL-terminated */
  YL_PATH,     /* char[size]; relative values resolved against the file's
                  folder when loaded from a file (not for --set or text) */
  YL_ENUM,     /* int (or C enum): index of the choice */
  YL_ENUM_STR, /* char[size] holding the choice's text */
  YL_INT_LIST, /* int[size] plus an int count at count_off */
  YL_DBL_LIST  /* double[size] plus an int count at count_off */
} yl_type_t;

enum { YL_MIN_OPEN = 1u }; /* flag: the lower bound itself is not allowed */

typedef struct yl_key {
  const char *key;     /* dotted path, e.g. "dram.channels" */
  yl_type_t type;
  size_t off;          /* offsetof(field) in the target struct */
  size_t size;         /* STRING/PATH/ENUM_STR: bytes; INT_LIST: entries */
  size_t count_off;    /* INT_LIST: offsetof(int count) */
  const char *def;     /* default, as YAML flow text ("" = empty string) */
  double min, max;     /* numeric range, inclusive (entries, for lists) */
  unsigned flags;      /* YL_MIN_OPEN */
  const char *choices; /* ENUM/ENUM_STR: "a|b" */
  const char *unit;    /* "GHz", "bytes", "" */
  const char *doc;     /* one line */
} yl_key_t;

typedef struct yl_schema {
  const yl_key_t *keys;
  int n;
} yl_schema_t;

/* Where a key was set: line/col 1-based (line 0 = no location, e.g. --set). */
typedef struct yl_mark {
  bool set;
  int line, col;
} yl_mark_t;

/* Index of a key in the schema, or -1. */
int yl_find(const yl_schema_t *s, const char *key);
/* Store every key's default. Fails only on a broken schema. */
int yl_defaults(const yl_schema_t *s, void *obj, err_t *e);
/* Load a YAML file onto obj (keys not in the file are left alone).
 * marks (s->n entries, or NULL) are cleared, then filled for keys set. */
int yl_load(const yl_schema_t *s, const char *path, void *obj,
            yl_mark_t *marks, err_t *e);
/* A file named by a key outside the schema, loaded before the file that
 * names it (a config's dram.preset): fn gets the path (resolved against
 * the naming file's folder), where its value is (origin, line, col), and
 * yl_load_base's obj and marks; it returns 0 or an error status. */
typedef int (*yl_base_fn)(void *arg, const char *path, const char *origin,
                          int line, int col, void *obj, yl_mark_t *marks,
                          err_t *e);
/* As yl_load, and the file may also hold base_key (a dotted path outside
 * the schema, written as nested mappings like any key, a non-empty path):
 * its value goes to fn before any schema key of the file is stored, so
 * the file's own keys override what fn stored. The file's own errors
 * (syntax, unknown or duplicate keys, bad values) come before fn runs.
 * fn NULL: exactly yl_load. */
int yl_load_base(const yl_schema_t *s, const char *path, void *obj,
                 yl_mark_t *marks, const char *base_key, yl_base_fn fn,
                 void *arg, err_t *e);
/* Apply one "key=value"; value is parsed as a YAML scalar or flow list
 * (an empty value is "" for strings and paths, an error otherwise).
 * line > 0 locates errors at origin:line:col, where the assignment starts
 * at column col0 of that line, and makes a key already marked at a line a
 * duplicate; line 0 gives "origin: key: ..." and lets a later override
 * win. marks may be NULL. YL_PATH values are stored as given. */
int yl_set(const yl_schema_t *s, const char *assignment, const char *origin,
           int line, int col0, void *obj, yl_mark_t *marks, err_t *e);
/* Check stored values against ranges and choices (for structs built or
 * edited in code). Errors point at marks when given. */
int yl_check(const yl_schema_t *s, const void *obj, const char *origin,
             const yl_mark_t *marks, err_t *e);
/* Located error for key (cross-field checks): at its mark when set. */
int yl_err_key(const yl_schema_t *s, const yl_mark_t *marks,
               const char *origin, const char *key, err_t *e,
               const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* True when marks record key as set (marks may be NULL: false). */
bool yl_is_set(const yl_schema_t *s, const yl_mark_t *marks, const char *key);

/* Copy key k's stored value from src to dst (objects of k's schema). */
void yl_copy_key(const yl_key_t *k, void *dst, const void *src);

/* Canonical "key=value\n" for every key in schema order (values in YAML
 * flow syntax, so yl_set reads them back exactly). snprintf semantics. */
int yl_text(const yl_schema_t *s, const void *obj, char *buf, size_t len);
/* FNV-1a 64 of yl_text's output. */
uint64_t yl_hash(const yl_schema_t *s, const void *obj);
/* Nested YAML of every key, "# default" after keys equal to their default. */
void yl_dump(const yl_schema_t *s, const void *obj, FILE *f);
/* Markdown table: key, type, default, range, unit, doc. */
void yl_doc(const yl_schema_t *s, FILE *f);


/* ---- documents of any shape ------------------------------------------
 * For inputs that are not one flat schema (sweep specs): load a document
 * and walk its nodes (ids > 0). Scalars are parsed with the same strict
 * rules through an ad-hoc yl_key_t, and every error is located at a node:
 * "origin:line:col: key: what (got X, expected Y)", status ERR_BAD_INPUT.
 * Node ids and kinds are trusted: callers check yl_tree_kind before
 * yl_tree_item/key/val. */
typedef struct yl_tree yl_tree_t;
typedef enum { YL_SCALAR, YL_LIST, YL_MAP } yl_kind_t;

/* Load one non-empty YAML document (syntax, size and "second document"
 * errors as yl_load). *out is NULL on error; free with yl_tree_free. */
int yl_tree_load(const char *path, yl_tree_t **out, err_t *e);
void yl_tree_free(yl_tree_t *t);
const char *yl_tree_origin(const yl_tree_t *t); /* the path as given */
const char *yl_tree_dir(const yl_tree_t *t);    /* its folder + '/', or "" */
int yl_tree_root(const yl_tree_t *t);
yl_kind_t yl_tree_kind(const yl_tree_t *t, int n);
const char *yl_tree_kind_name(const yl_tree_t *t, int n); /* "a list"... */
int yl_tree_len(const yl_tree_t *t, int n);     /* items or pairs; 0 */
int yl_tree_item(const yl_tree_t *t, int n, int i); /* list item i */
int yl_tree_key(const yl_tree_t *t, int n, int i);  /* pair i's key node */
int yl_tree_val(const yl_tree_t *t, int n, int i);  /* pair i's value */
const char *yl_tree_str(const yl_tree_t *t, int n); /* scalar text, or "" */
void yl_tree_pos(const yl_tree_t *t, int n, int *line, int *col);
/* A located error at node n; returns ERR_BAD_INPUT. */
int yl_tree_fail(const yl_tree_t *t, int n, const char *key, err_t *e,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Node n must be a mapping whose keys are scalars, unique, and (s not
 * NULL) names of s's keys; where prefixes key names in messages. */
int yl_tree_map_check(const yl_tree_t *t, int n, const yl_schema_t *s,
                      const char *where, err_t *e);
/* Parse node n as key k's value (types, ranges, tags as in yl_load; paths
 * resolved against the document's folder) and store it at k->off in obj. */
int yl_tree_get(const yl_tree_t *t, int n, const yl_key_t *k, void *obj,
                err_t *e);
/* Canonical flow text of key k's value in obj (what yl_set reads back). */
void yl_fmt_key(const yl_key_t *k, const void *obj, char *buf, size_t len);

#endif
