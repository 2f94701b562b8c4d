/* test_json.c - the one JSON writer (common/jsonw.h) and the one file
 * reader (common/file.h).
 *
 * Every expected document below is written out by hand from the rules in
 * jsonw.h (layouts, "%.10g", escapes), not captured from the writer; the
 * round trips read the writer's output back with the strict reader of
 * common/json.h and compare values, not text.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "json.h"
#include "jsonw.h"
#include "testutil.h"

/* A writer into memory: open with mem_open, take the text with mem_text. */
typedef struct mem {
  char *buf;
  size_t len;
  FILE *f;
} mem_t;

static void mem_open(mem_t *m, jw_t *w) {
  m->buf = NULL;
  m->len = 0;
  m->f = open_memstream(&m->buf, &m->len);
  cr_assert_not_null(m->f);
  if (w) jw_init(w, m->f);
}

/* The text written so far (caller frees). */
static char *mem_text(mem_t *m) {
  fclose(m->f);
  return m->buf;
}

/* s as jw_write_str writes it (caller frees). */
static char *escaped(const char *s) {
  mem_t m;
  mem_open(&m, NULL);
  jw_write_str(m.f, s);
  return mem_text(&m);
}

/* ---- strings ---------------------------------------------------------------- */

/* '"' and '\' get a backslash; \n \r \t their names; the other C0 bytes
 * \u00XX in lowercase hex; DEL and valid UTF-8 (2, 3 and 4 bytes) pass. */
Test(jsonw, escapes_what_json_requires) {
  char *t = escaped("a\"b\\c\n\r\t\x01\x1f\x7f \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  cr_expect_str_eq(t, "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f\x7f "
                      "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  free(t);
  t = escaped("");
  cr_expect_str_eq(t, "\"\"");
  free(t);
  t = escaped("/");
  cr_expect_str_eq(t, "\"/\"", "a solidus needs no escape");
  free(t);
}

/* Invalid UTF-8 (js_utf8_len, the reader's rule): each byte that does not
 * start a valid sequence is one U+FFFD. An overlong '/' (C0 AF) is two
 * such bytes; a surrogate (ED A0 80) three; a sequence cut by the end of
 * the string (E2 82) two; a lone continuation byte one. */
Test(jsonw, invalid_utf8_becomes_replacement_characters) {
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"x\xffy", "\"x\\ufffdy\""},
      {"\xc0\xaf", "\"\\ufffd\\ufffd\""},
      {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},
      {"a\xe2\x82", "\"a\\ufffd\\ufffd\""},
      {"\x80z", "\"\\ufffdz\""},
      {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* > U+10FFFF */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *t = escaped(cases[i].in);
    cr_expect_str_eq(t, cases[i].out, "case %zu", i);
    free(t);
  }
}

/* ---- numbers ------------------------------------------------------------------ */

/* Integers keep every digit, where a double would round past 2^53. */
Test(jsonw, integers_are_exact) {
  mem_t m;
  jw_t w;
  char *t;
  mem_open(&m, &w);
  jw_array(&w, JW_INLINE);
  jw_u64(&w, UINT64_MAX);
  jw_u64(&w, (UINT64_C(1) << 53) + 1);
  jw_u64(&w, 0);
  jw_i64(&w, INT64_MIN);
  jw_i64(&w, INT64_MAX);
  jw_i64(&w, -1);
  jw_end(&w);
  t = mem_text(&m);
  cr_expect_str_eq(t, "[18446744073709551615, 9007199254740993, 0, "
                      "-9223372036854775808, 9223372036854775807, -1]\n");
  free(t);
}

/* %.10g: ten significant digits, trailing zeros dropped, exponent from
 * 1e10 up or below 1e-4; NaN and infinities are null. */
Test(jsonw, reals_use_ten_significant_digits) {
  mem_t m;
  jw_t w;
  char *t;
  mem_open(&m, &w);
  jw_array(&w, JW_INLINE);
  jw_real(&w, 0.1);
  jw_real(&w, 1.0 / 3.0);
  jw_real(&w, 123456789012.0);
  jw_real(&w, 2.5e-5);
  jw_real(&w, 1e21);
  jw_real(&w, 42.0);
  jw_real(&w, -0.75);
  jw_real(&w, NAN);
  jw_real(&w, INFINITY);
  jw_real(&w, -INFINITY);
  jw_real_prec(&w, 2.0 / 3.0, 6);
  jw_real_prec(&w, 698620000.0, 6);
  jw_fixed(&w, 3.14159, 2);
  jw_fixed(&w, 0.005, 1);
  jw_fixed(&w, NAN, 2);
  jw_end(&w);
  t = mem_text(&m);
  cr_expect_str_eq(t, "[0.1, 0.3333333333, 1.23456789e+11, 2.5e-05, 1e+21, 42, "
                      "-0.75, null, null, null, 0.666667, 6.9862e+08, 3.14, "
                      "0.0, null]\n");
  free(t);
}

/* ---- containers and layouts ------------------------------------------------- */

/* Lines, inline and hug layouts nested, empty containers, the final
 * newline after the root; indentation 2 per open container. */
Test(jsonw, nests_with_each_layout) {
  mem_t m;
  jw_t w;
  char *t;
  mem_open(&m, &w);
  jw_object(&w, JW_LINES);
  jw_key(&w, "a");
  jw_u64(&w, 1);
  jw_key(&w, "b");
  jw_object(&w, JW_INLINE);
  jw_key(&w, "x");
  jw_bool(&w, 1);
  jw_key(&w, "y");
  jw_null(&w);
  jw_end(&w);
  jw_key(&w, "c");
  jw_array(&w, JW_LINES);
  jw_i64(&w, -2);
  jw_object(&w, JW_INLINE);
  jw_end(&w);
  jw_array(&w, JW_LINES);
  jw_str(&w, "deep");
  jw_end(&w);
  jw_end(&w);
  jw_key(&w, "d");
  jw_object(&w, JW_HUG);
  jw_key(&w, "p");
  jw_real(&w, 0.5);
  jw_key(&w, "q");
  jw_str(&w, NULL);
  jw_key(&w, "r");
  jw_bool(&w, 0);
  jw_end(&w);
  jw_key(&w, "e");
  jw_array(&w, JW_LINES);
  jw_end(&w);
  jw_key(&w, "k\"ey");
  jw_str(&w, "v");
  jw_end(&w);
  cr_expect_eq(w.depth, 0);
  t = mem_text(&m);
  cr_expect_str_eq(t, "{\n"
                      "  \"a\": 1,\n"
                      "  \"b\": {\"x\": true, \"y\": null},\n"
                      "  \"c\": [\n"
                      "    -2,\n"
                      "    {},\n"
                      "    [\n"
                      "      \"deep\"\n"
                      "    ]\n"
                      "  ],\n"
                      "  \"d\": {\"p\": 0.5,\n"
                      "  \"q\": null,\n"
                      "  \"r\": false},\n"
                      "  \"e\": [],\n"
                      "  \"k\\\"ey\": \"v\"\n"
                      "}\n");
  free(t);
}

/* A scalar can be a whole document. */
Test(jsonw, a_scalar_root_has_no_newline) {
  mem_t m;
  jw_t w;
  char *t;
  mem_open(&m, &w);
  jw_str(&w, "only");
  t = mem_text(&m);
  cr_expect_str_eq(t, "\"only\"");
  free(t);
}

/* ---- round trips through the reader ------------------------------------------ */

/* Written, then parsed by js_parse: every value comes back, integers
 * exactly, strings decoded to the bytes written (invalid UTF-8 as U+FFFD,
 * EF BF BD), non-finite reals as null. */
Test(jsonw, round_trips_through_the_reader) {
  static const char odd[] = "q\"b\\s\n\r\t\x01\x7f \xc3\xa9\xf0\x9f\x98\x80 /";
  mem_t m;
  jw_t w;
  js_doc_t d;
  err_t e;
  uint64_t u;
  double x;
  char *t;
  int n;
  mem_open(&m, &w);
  jw_object(&w, JW_LINES);
  jw_key(&w, "max");
  jw_u64(&w, UINT64_MAX);
  jw_key(&w, odd);
  jw_str(&w, odd);
  jw_key(&w, "bad");
  jw_str(&w, "a\xff" "b");
  jw_key(&w, "o");
  jw_object(&w, JW_HUG);
  jw_key(&w, "neg");
  jw_i64(&w, INT64_MIN);
  jw_key(&w, "third");
  jw_real(&w, 1.0 / 3.0);
  jw_key(&w, "nan");
  jw_real(&w, NAN);
  jw_end(&w);
  jw_key(&w, "list");
  jw_array(&w, JW_INLINE);
  jw_bool(&w, 1);
  jw_null(&w);
  jw_end(&w);
  jw_end(&w);
  t = mem_text(&m);
  cr_assert_eq(js_parse(&d, t, strlen(t), "rt.json", &e), 0, "%s\n%s", e.msg, t);
  cr_expect_eq(js_u64(&d, js_member(&d, 0, "max"), "max", &u, &e), 0);
  cr_expect_eq(u, UINT64_MAX);
  cr_expect_str_eq(d.n[js_member(&d, 0, odd)].str, odd);
  cr_expect_str_eq(js_str_at(&d, 0, "bad"), "a\xef\xbf\xbd" "b");
  n = js_path(&d, 0, "o.neg");
  cr_assert_geq(n, 0);
  cr_expect_str_eq(d.n[n].str, "-9223372036854775808");
  cr_expect_eq(js_num_at(&d, 0, "o.third", &x), 0);
  cr_expect_eq(x, 0.3333333333);
  cr_expect_eq(d.n[js_path(&d, 0, "o.nan")].type, JS_NULL);
  n = js_member(&d, 0, "list");
  cr_expect_eq(d.n[n].count, 2);
  cr_expect_eq(d.n[d.n[n].first].type, JS_BOOL);
  js_free(&d);
  free(t);
}

/* As deep as the writer allows is as deep as the reader accepts. */
Test(jsonw, the_deepest_document_reads_back) {
  mem_t m;
  jw_t w;
  js_doc_t d;
  err_t e;
  char *t;
  int i, n;
  mem_open(&m, &w);
  for (i = 0; i < JW_MAX_DEPTH; i++) jw_array(&w, JW_INLINE);
  jw_u64(&w, 7);
  for (i = 0; i < JW_MAX_DEPTH; i++) jw_end(&w);
  t = mem_text(&m);
  cr_assert_eq(js_parse(&d, t, strlen(t), "deep.json", &e), 0, "%s", e.msg);
  for (n = 0, i = 0; i < JW_MAX_DEPTH; i++) n = d.n[n].first;
  cr_expect_str_eq(d.n[n].str, "7");
  js_free(&d);
  free(t);
}

/* ---- the file reader --------------------------------------------------------- */

/* A file of exactly max bytes is read whole; NULs inside are kept and
 * counted; one byte more is refused before reading, naming both sizes. */
Test(file_read, the_bound_is_inclusive) {
  char path[256];
  size_t len = 0;
  err_t e;
  char *b;
  cr_assert(tu_write(path, sizeof path, "five", "12345"));
  err_clear(&e);
  b = file_read_all(path, 5, NULL, &len, &e);
  cr_assert_not_null(b, "%s", e.msg);
  cr_expect_eq(len, 5);
  cr_expect_str_eq(b, "12345");
  free(b);
  b = file_read_all(path, 4, "input", &len, &e);
  cr_expect_null(b);
  cr_expect_eq(e.status, ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, ": input: file too large (got 5 bytes, expected at "
                          "most 4)"), "%s", e.msg);
  b = file_read_all(path, 4, NULL, &len, &e);
  cr_expect(strstr(e.msg, ": (file): file too large"), "%s", e.msg);
  b = file_read_head(path, 3, &len);
  cr_assert_not_null(b);
  cr_expect_eq(len, 3);
  cr_expect_str_eq(b, "123");
  free(b);
}

/* Missing files and directories: ERR_BAD_INPUT, plain or located. */
Test(file_read, cannot_open_is_reported) {
  err_t e;
  size_t len;
  cr_expect_null(file_read_all("build/tests/tmp/no-such-file", 10, NULL, &len, &e));
  cr_expect_eq(e.status, ERR_BAD_INPUT);
  cr_expect_str_eq(e.msg, "build/tests/tmp/no-such-file: cannot open: No such "
                          "file or directory");
  cr_expect_null(file_read_all("tests", 10, "input", &len, &e));
  cr_expect_str_eq(e.msg, "tests: input: cannot open: Is a directory");
  cr_expect_null(file_read_head("build/tests/tmp/no-such-file", 10, &len));
}

/* A pipe of n bytes of 'x', its write end closed; its path under
 * /proc/self/fd, which opens the read end again. */
static int pipe_of(size_t n, char *path, size_t len) {
  int fds[2];
  char *x = malloc(n);
  cr_assert_not_null(x);
  cr_assert_eq(pipe(fds), 0);
  memset(x, 'x', n);
  cr_assert_eq(write(fds[1], x, n), (ssize_t)n); /* fits the 64 KiB buffer */
  close(fds[1]);
  free(x);
  snprintf(path, len, "/proc/self/fd/%d", fds[0]);
  return fds[0];
}

/* A stream with no size (a pipe) is read to its end in growing chunks
 * (4 KiB, then doubled), bounded the same way. */
Test(file_read, streams_are_read_to_the_end) {
  char path[64], *b;
  size_t len = 0, i;
  err_t e;
  int fd = pipe_of(20000, path, sizeof path);
  b = file_read_all(path, 20000, NULL, &len, &e);
  cr_assert_not_null(b, "%s", e.msg);
  cr_expect_eq(len, 20000);
  for (i = 0; i < len && b[i] == 'x'; i++) continue;
  cr_expect_eq(i, 20000);
  cr_expect_eq(b[20000], '\0');
  free(b);
  close(fd);
  fd = pipe_of(20000, path, sizeof path);
  cr_expect_null(file_read_all(path, 19999, NULL, &len, &e));
  cr_expect(strstr(e.msg, "file too large (got more than 19999 bytes, expected "
                          "at most 19999)"), "%s", e.msg);
  close(fd);
  fd = pipe_of(20000, path, sizeof path);
  b = file_read_head(path, 5000, &len);
  cr_assert_not_null(b);
  cr_expect_eq(len, 5000);
  cr_expect_eq(strlen(b), 5000);
  free(b);
  close(fd);
}
