/* jsonr.h - a strict JSON reader (RFC 8259) into a small tree, for inputs
 * attnsim wrote itself (attnsim recost reads a run's --json).
 *
 * Strict: one value, then only whitespace; no comments, trailing commas,
 * NaN, leading '+' or zeros, raw control characters, NUL bytes or invalid
 * UTF-8 in strings, invalid \u escapes or lone surrogates; duplicate keys
 * in an object are errors. Nesting deeper than JR_MAX_DEPTH is refused. Every
 * error is "name:line:col: key: what is wrong (got X, expected Y)" with
 * ERR_BAD_INPUT, key being the dotted path of the value being read
 * ("(root)" for the top, "dram.reads", "layers[3].cycles").
 *
 * Numbers keep their text, so integers up to 2^64 - 1 read back exactly.
 */
#ifndef ATTN_JSONR_H
#define ATTN_JSONR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define JR_MAX_DEPTH 64

typedef enum { JR_NULL, JR_BOOL, JR_NUM, JR_STR, JR_ARR, JR_OBJ } jr_kind_t;

typedef struct jr_node {
  jr_kind_t kind;
  int line, col;   /* 1-based, where the value starts */
  int child, next; /* first child (arrays, objects); next sibling; -1 */
  int nchild;
  char *key;       /* member name (object members), else NULL */
  char *text;      /* numbers: the lexeme; strings: the decoded bytes */
  int boolean;     /* JR_BOOL: 0 or 1 */
} jr_node_t;

typedef struct jr_doc {
  const char *name; /* for messages */
  jr_node_t *n;     /* n[0] is the root */
  int len, cap;
} jr_doc_t;

/* Parse text[0..len) (need not be NUL-terminated). Returns 0, or
 * ERR_BAD_INPUT / ERR_RUN (out of memory) with e set and d empty. */
int jr_parse(jr_doc_t *d, const char *name, const char *text, size_t len,
             err_t *e);
void jr_free(jr_doc_t *d);
/* The node at a dotted path of object members below node at ("a.b.c"),
 * or -1. */
int jr_find(const jr_doc_t *d, int at, const char *path);
/* Node i as an unsigned integer (a JR_NUM of plain digits that fits 64
 * bits); else ERR_BAD_INPUT located at the node, key naming it. */
int jr_u64(const jr_doc_t *d, int i, const char *key, uint64_t *out,
           err_t *e);
/* Node i as a string of at most len - 1 bytes, copied into out (or
 * ERR_BAD_INPUT). */
int jr_str(const jr_doc_t *d, int i, const char *key, char *out, size_t len,
           err_t *e);

#endif
