/* jsonw.h - the one JSON writer: a streaming writer for every JSON file
 * attnsim writes (run reports, recost reports, attnsim dram, the
 * baselines) and the string escaper of the sweep files.
 *
 * A document is written value by value: open an object or array, write
 * members (jw_key, then one value) or elements, close it. The writer puts
 * the commas, the ": " after keys and the line breaks, so a caller only
 * chooses a layout per container:
 *   JW_LINES   each member on its own line, indented 2 per open container;
 *              {\n  "a": 1,\n  "b": 2\n} ; empty: {}
 *   JW_INLINE  one line: {"a": 1, "b": 2}
 *   JW_HUG     braces hug the first and last member, the others start a
 *              line at the enclosing indent: {"a": 1,\n  "b": 2}
 * Closing the root writes a final newline.
 *
 * Numbers: integers exactly (uint64_t / int64_t, all 20 digits kept);
 * reals as "%.10g" (jw_real) or another precision, and null for NaN and
 * infinities, which JSON cannot spell. Strings: see jw_write_str.
 * Whatever is written parses back with common/json.h (js_parse), as long
 * as no more than JW_MAX_DEPTH containers are open at once.
 */
#ifndef ATTN_JSONW_H
#define ATTN_JSONW_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"

#define JW_MAX_DEPTH JS_MAX_DEPTH /* what the reader accepts back */

typedef enum { JW_LINES, JW_INLINE, JW_HUG } jw_layout_t;

typedef struct jw {
  FILE *f;
  int depth;                        /* containers open now */
  int key_pending;                  /* a key was written, its value is next */
  jw_layout_t layout[JW_MAX_DEPTH]; /* of the container at depth d + 1 */
  char close[JW_MAX_DEPTH];         /* its closing bracket: '}' or ']' */
  int count[JW_MAX_DEPTH];          /* members written into it so far */
} jw_t;

void jw_init(jw_t *w, FILE *f);
/* Open an object / array as the next value; close the innermost one. */
void jw_object(jw_t *w, jw_layout_t layout);
void jw_array(jw_t *w, jw_layout_t layout);
void jw_end(jw_t *w);
/* The next member's name, inside an object; the value call follows. */
void jw_key(jw_t *w, const char *key);

/* Values (an element of an array, or the value after jw_key). */
void jw_str(jw_t *w, const char *s); /* NULL writes null */
void jw_u64(jw_t *w, uint64_t v);
void jw_i64(jw_t *w, int64_t v);
void jw_real(jw_t *w, double v);                 /* "%.10g" */
void jw_real_prec(jw_t *w, double v, int digits); /* "%.*g" */
void jw_fixed(jw_t *w, double v, int decimals);  /* "%.*f" */
void jw_bool(jw_t *w, int b);
void jw_null(jw_t *w);

/* s as a JSON string literal, on its own (no separators): '"' and '\'
 * escaped, \n \r \t by name, other bytes below 0x20 as \u00XX, valid UTF-8
 * (js_utf8_len) as it is, and each byte of invalid UTF-8 as \ufffd, so
 * any path or name yields well-formed JSON. */
void jw_write_str(FILE *f, const char *s);

#endif
