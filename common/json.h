/* json.h - a strict JSON reader (RFC 8259) for the files attnsim writes
 * and reads back: run reports, sweep point files, sweep manifests.
 *
 * A document is parsed into a flat array of nodes; node 0 is the root.
 * Children of an array or object are linked through first/next, in file
 * order. Every node records where it starts, so a caller can point at a
 * bad value: "file:line:col: key: what (got X, expected Y)".
 *
 * Refused, as bad input (ERR_BAD_INPUT, located): trailing commas,
 * comments, single quotes, NaN/Infinity, leading zeros, numbers that
 * overflow a double, raw control characters, \u0000 and invalid UTF-8 in
 * strings, lone surrogates, duplicate keys in one object, anything after the value,
 * nesting deeper than JS_MAX_DEPTH, files larger than JS_MAX_BYTES.
 */
#ifndef ATTN_JSON_H
#define ATTN_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define JS_MAX_DEPTH 64          /* arrays/objects nested at most this deep */
#define JS_MAX_BYTES (64 << 20)  /* largest file js_load reads */

typedef enum { JS_NULL, JS_BOOL, JS_NUM, JS_STR, JS_ARR, JS_OBJ } js_type_t;

typedef struct js_node {
  js_type_t type;
  int line, col;     /* 1-based start of the value */
  int first, next;   /* first child, next sibling; -1 = none */
  int count;         /* children of an array or object */
  char *key;         /* member name inside an object, else NULL */
  char *str;         /* JS_STR: the decoded text (UTF-8, no NUL inside);
                        JS_NUM: the number as written (exact integers) */
  double num;        /* JS_NUM; JS_BOOL: 0 or 1 */
} js_node_t;

typedef struct js_doc {
  js_node_t *n;      /* n[0] is the root */
  int len, cap;
  char origin[512];  /* file name for messages */
} js_doc_t;

/* Parse text[0..len) (NULs inside are refused). On error d is empty. */
int js_parse(js_doc_t *d, const char *text, size_t len, const char *origin,
             err_t *e);
/* Read and parse a file. */
int js_load(js_doc_t *d, const char *path, err_t *e);
void js_free(js_doc_t *d);

/* Member of object node obj named key (exact, dots are not special), or
 * -1 (also when obj is not an object). */
int js_member(const js_doc_t *d, int obj, const char *key);
/* Node at a dotted path below node ("energy_pj.total"), or -1. */
int js_path(const js_doc_t *d, int node, const char *path);
/* The number at a dotted path: 0 and *out set, or -1 when it is missing or
 * not a number. */
int js_num_at(const js_doc_t *d, int node, const char *path, double *out);
/* The string at a dotted path, or NULL. */
const char *js_str_at(const js_doc_t *d, int node, const char *path);
/* A located bad-input error at node n; returns ERR_BAD_INPUT. */
int js_fail(const js_doc_t *d, int n, const char *key, err_t *e,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Node n as an unsigned integer (a number of plain digits that fits 64
 * bits, read exactly from its text), else a located ERR_BAD_INPUT naming
 * key. */
int js_u64(const js_doc_t *d, int n, const char *key, uint64_t *out,
           err_t *e);
/* Node n, a string of at most len - 1 bytes, copied to out (else a
 * located ERR_BAD_INPUT). */
int js_copy_str(const js_doc_t *d, int n, const char *key, char *out,
                size_t len, err_t *e);
/* The length of the valid UTF-8 sequence at p (n >= 1 bytes left), else
 * 0: no overlong forms, surrogates or code points past U+10FFFF. The one
 * UTF-8 rule: the reader refuses what fails it, the writer (jsonw.h)
 * replaces it. */
int js_utf8_len(const unsigned char *p, size_t n);

#endif
