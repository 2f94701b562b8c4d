/* test_npy.c - the .npy reader and writer.
 * Files are built byte by byte here, so expected values do not come from
 * the code under test. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdint.h>

#include "npy.h"
#include "testutil.h"

/* An in-memory .npy image: prefix, dict padded to 64 bytes, data. */
static size_t build(uint8_t *buf, int major, int minor, const char *dict,
                    const uint8_t *data, size_t nbytes) {
  size_t pre = major == 1 ? 10 : 12, hl = strlen(dict), n;
  memcpy(buf, "\x93NUMPY", 6);
  buf[6] = (uint8_t)major, buf[7] = (uint8_t)minor;
  memcpy(buf + pre, dict, hl);
  while ((pre + hl + 1) % 64) buf[pre + hl++] = ' ';
  buf[pre + hl++] = '\n';
  buf[8] = (uint8_t)hl, buf[9] = (uint8_t)(hl >> 8);
  if (major != 1) buf[10] = (uint8_t)(hl >> 16), buf[11] = (uint8_t)(hl >> 24);
  n = pre + hl;
  if (nbytes) memcpy(buf + n, data, nbytes);
  return n + nbytes;
}

/* A scratch path under build/tests/tmp. */
static const char *scratch(char *path, size_t len, const char *tag) {
  return tu_write(path, len, tag, "");
}

static void write_bin(const char *path, const uint8_t *b, size_t n) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(b, 1, n, f), n);
  fclose(f);
}

/* True when msg starts with "name: key: ". */
static int names(const char *msg, const char *name, const char *key) {
  char want[600];
  snprintf(want, sizeof want, "%s: %s: ", name, key);
  return strncmp(msg, want, strlen(want)) == 0;
}

Test(npy, round_trip_f32) {
  float in[24];
  int64_t shape[3] = {2, 3, 4};
  char path[256];
  struct stat st;
  npy_t a;
  err_t e;
  int i;
  for (i = 0; i < 24; i++) in[i] = (float)i * 0.37f - 3.0f;
  in[5] = 1e30f, in[6] = -0.0f, in[7] = 1.17549435e-38f; /* FLT_MIN */
  scratch(path, sizeof path, "rt.npy");
  err_clear(&e);
  cr_assert_eq(npy_write_f32(path, 3, shape, in, &e), 0, "%s", e.msg);
  cr_assert_eq(stat(path, &st), 0);
  cr_expect_eq((st.st_size - 24 * 4) % 64, 0, "data not 64-byte aligned");
  cr_assert_eq(npy_read(path, &a, &e), 0, "%s", e.msg);
  cr_expect_eq(a.ndim, 3);
  cr_expect_eq(a.shape[0], 2);
  cr_expect_eq(a.shape[1], 3);
  cr_expect_eq(a.shape[2], 4);
  cr_expect_eq(a.count, 24);
  cr_expect_eq(memcmp(a.data, in, sizeof in), 0, "data differs bit-wise");
  npy_free(&a);
  cr_expect_null(a.data);
}

Test(npy, round_trip_scalar_empty_and_1d) {
  float one = 42.5f, v[3] = {1, 2, 3};
  int64_t empty[2] = {0, 5}, d1[1] = {3};
  char path[256];
  npy_t a;
  err_t e;
  scratch(path, sizeof path, "rt0.npy");
  cr_assert_eq(npy_write_f32(path, 0, NULL, &one, &e), 0, "%s", e.msg);
  cr_assert_eq(npy_read(path, &a, &e), 0, "%s", e.msg);
  cr_expect_eq(a.ndim, 0);
  cr_expect_eq(a.count, 1);
  cr_expect_eq(a.data[0], 42.5f);
  npy_free(&a);
  cr_assert_eq(npy_write_f32(path, 2, empty, NULL, &e), 0, "%s", e.msg);
  cr_assert_eq(npy_read(path, &a, &e), 0, "%s", e.msg);
  cr_expect_eq(a.ndim, 2);
  cr_expect_eq(a.shape[0], 0);
  cr_expect_eq(a.shape[1], 5);
  cr_expect_eq(a.count, 0);
  npy_free(&a);
  cr_assert_eq(npy_write_f32(path, 1, d1, v, &e), 0, "%s", e.msg);
  cr_assert_eq(npy_read(path, &a, &e), 0, "%s", e.msg);
  cr_expect_eq(a.ndim, 1);
  cr_expect_eq(a.count, 3);
  cr_expect_eq(a.data[2], 3.0f);
  npy_free(&a);
}

/* binary16 bit patterns and their values, derived by hand:
 * 0x3C00 = 1.0, 0xC000 = -2.0, 0x3800 = 0.5, 0x0001 = 2^-24 (smallest
 * subnormal), 0x03FF = 1023 * 2^-24 (largest subnormal), 0x7BFF = 65504
 * (largest finite), 0x8000 = -0.0, 0x3555 = 1 + 341/1024 times 2^-2. */
static const uint16_t h16[8] = {0x3C00, 0xC000, 0x3800, 0x0001,
                                0x03FF, 0x7BFF, 0x8000, 0x3555};
static void check_f16(const npy_t *a) {
  cr_assert_eq(a->count, 8);
  cr_expect_eq(a->data[0], 1.0f);
  cr_expect_eq(a->data[1], -2.0f);
  cr_expect_eq(a->data[2], 0.5f);
  cr_expect_eq(a->data[3], 5.9604644775390625e-08f);
  cr_expect_eq(a->data[4], 6.097555160522461e-05f);
  cr_expect_eq(a->data[5], 65504.0f);
  cr_expect(a->data[6] == 0.0f && signbit(a->data[6]), "-0.0");
  cr_expect_eq(a->data[7], 0.333251953125f);
}

Test(npy, float16_known_values) {
  uint8_t raw[16], buf[256];
  char path[256];
  size_t n;
  npy_t a;
  err_t e;
  int i;
  for (i = 0; i < 8; i++) {
    raw[2 * i] = h16[i] & 0xff;
    raw[2 * i + 1] = (uint8_t)(h16[i] >> 8);
  }
  n = build(buf, 1, 0,
            "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 4), }",
            raw, sizeof raw);
  cr_assert_eq(npy_parse("h.npy", buf, n, &a, &e), 0, "%s", e.msg);
  cr_expect_eq(a.ndim, 2);
  check_f16(&a);
  npy_free(&a);
  scratch(path, sizeof path, "f16.npy");
  write_bin(path, buf, n);
  cr_assert_eq(npy_read(path, &a, &e), 0, "%s", e.msg);
  check_f16(&a);
  npy_free(&a);
}

Test(npy, versions_2_and_3_and_other_spellings) {
  uint8_t buf[256], raw[8] = {0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0}; /* 1, -2 */
  const char *dict = "{\"shape\": (2,), \"fortran_order\": False,"
                     "\"descr\": \"<f4\"}";
  npy_t a;
  err_t e;
  int v;
  for (v = 1; v <= 3; v++) {
    size_t n = build(buf, v, 0, dict, raw, sizeof raw);
    cr_assert_eq(npy_parse("v.npy", buf, n, &a, &e), 0, "v%d: %s", v, e.msg);
    cr_expect_eq(a.data[0], 1.0f);
    cr_expect_eq(a.data[1], -2.0f);
    npy_free(&a);
  }
}

/* Malformed headers: each must fail with status 2 and a message
 * "bad.npy: KEY: ...". Data inline (Criterion copies parameters). */
typedef struct bad {
  char label[24];
  int major, minor;
  char dict[200];
  int nbytes; /* data bytes after the header */
  char key[16];
} bad_t;

#define GOOD_TAIL "'fortran_order': False, 'shape': (2,), }"
ParameterizedTestParameters(npy, malformed) {
  static bad_t p[] = {
      {"version 4.0", 4, 0, "{'descr': '<f4', " GOOD_TAIL, 8, "version"},
      {"version 1.1", 1, 1, "{'descr': '<f4', " GOOD_TAIL, 8, "version"},
      {"no brace", 1, 0, "'descr': '<f4', " GOOD_TAIL, 8, "header"},
      {"no colon", 1, 0, "{'descr' '<f4', " GOOD_TAIL, 8, "header"},
      {"unquoted key", 1, 0, "{descr: '<f4', " GOOD_TAIL, 8, "header"},
      {"open string", 1, 0, "{'descr': '<f4", 0, "header"},
      {"no comma", 1, 0,
       "{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}", 8,
       "header"},
      {"no close", 1, 0, "{'descr': '<f4', 'fortran_order': False", 0,
       "header"},
      {"trailing junk", 1, 0, "{'descr': '<f4', " GOOD_TAIL " x", 8,
       "header"},
      {"unknown key", 1, 0, "{'descr': '<f4', 'x': 1, " GOOD_TAIL, 8,
       "header"},
      {"duplicate key", 1, 0, "{'descr': '<f4', 'descr': '<f4', " GOOD_TAIL,
       8, "descr"},
      {"missing shape", 1, 0, "{'descr': '<f4', 'fortran_order': False}", 8,
       "shape"},
      {"missing descr", 1, 0, "{" GOOD_TAIL, 8, "descr"},
      {"big endian", 1, 0, "{'descr': '>f4', " GOOD_TAIL, 8, "descr"},
      {"float64", 1, 0, "{'descr': '<f8', " GOOD_TAIL, 16, "descr"},
      {"int32", 1, 0, "{'descr': '<i4', " GOOD_TAIL, 8, "descr"},
      {"fortran", 1, 0,
       "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8,
       "fortran_order"},
      {"order not bool", 1, 0,
       "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", 8, "header"},
      {"negative dim", 1, 0,
       "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }", 8,
       "shape"},
      {"dim not int", 1, 0,
       "{'descr': '<f4', 'fortran_order': False, 'shape': ('a',), }", 8,
       "header"},
      {"1-tuple no comma", 1, 0,
       "{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8,
       "shape"},
      {"9 dims", 1, 0,
       "{'descr': '<f4', 'fortran_order': False, "
       "'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }", 4, "shape"},
      {"huge dim", 1, 0,
       "{'descr': '<f4', 'fortran_order': False, "
       "'shape': (99999999999999999999999,), }", 8, "shape"},
      {"product > max", 1, 0,
       "{'descr': '<f4', 'fortran_order': False, 'shape': (46341, 46341), }",
       8, "shape"},
      {"product overflows", 1, 0,
       "{'descr': '<f4', 'fortran_order': False, "
       "'shape': (2147483648, 2147483648, 2147483648), }", 8, "shape"},
      {"data short", 1, 0, "{'descr': '<f4', " GOOD_TAIL, 7, "data"},
      {"data long", 1, 0, "{'descr': '<f4', " GOOD_TAIL, 12, "data"},
      {"f2 data as f4", 1, 0, "{'descr': '<f2', " GOOD_TAIL, 8, "data"},
  };
  return cr_make_param_array(bad_t, p, sizeof p / sizeof p[0]);
}

ParameterizedTest(bad_t *p, npy, malformed) {
  uint8_t data[64] = {0}, buf[512];
  size_t n = build(buf, p->major, p->minor, p->dict, data, (size_t)p->nbytes);
  npy_t a;
  err_t e;
  err_clear(&e);
  cr_assert_eq(npy_parse("bad.npy", buf, n, &a, &e), ERR_BAD_INPUT,
               "%s: accepted", p->label);
  cr_expect(names(e.msg, "bad.npy", p->key), "%s: message '%s'", p->label,
            e.msg);
  cr_expect_null(a.data, "%s: data left allocated", p->label);
}

Test(npy, malformed_prefix) {
  uint8_t buf[256] = {0}, png[8] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10};
  size_t n = build(buf, 1, 0, "{'descr': '<f4', " GOOD_TAIL, NULL, 0);
  npy_t a;
  err_t e;
  cr_expect_eq(npy_parse("p.npy", buf, 0, &a, &e), 2);
  cr_expect(names(e.msg, "p.npy", "magic"), "%s", e.msg);
  cr_expect_eq(npy_parse("p.npy", png, sizeof png, &a, &e), 2);
  cr_expect(names(e.msg, "p.npy", "magic"), "%s", e.msg);
  cr_expect(strstr(e.msg, "89 50 4e 47 0d 0a") != NULL, "%s", e.msg);
  cr_expect_eq(npy_parse("p.npy", buf, 7, &a, &e), 2); /* no minor */
  cr_expect(names(e.msg, "p.npy", "version"), "%s", e.msg);
  cr_expect_eq(npy_parse("p.npy", buf, 9, &a, &e), 2); /* half a length */
  cr_expect(names(e.msg, "p.npy", "header_len"), "%s", e.msg);
  cr_expect_eq(npy_parse("p.npy", buf, n - 1, &a, &e), 2); /* cut header */
  cr_expect(names(e.msg, "p.npy", "header_len"), "%s", e.msg);
  buf[8] = 0xff, buf[9] = 0xff; /* header_len 65535 > file */
  cr_expect_eq(npy_parse("p.npy", buf, n, &a, &e), 2);
  cr_expect(names(e.msg, "p.npy", "header_len"), "%s", e.msg);
  n = build(buf, 2, 0, "{'descr': '<f4', " GOOD_TAIL, NULL, 0);
  buf[10] = 0xff, buf[11] = 0x7f; /* v2 header_len ~2 GiB */
  cr_expect_eq(npy_parse("p.npy", buf, n, &a, &e), 2);
  cr_expect(names(e.msg, "p.npy", "header_len"), "%s", e.msg);
}

Test(npy, nan_and_inf_rejected_with_index) {
  float v[6] = {1, 2, 3, 4, 5, 6};
  uint8_t buf[256], h[8] = {0, 0x3c, 0, 0x7c, 0, 0, 0, 0}; /* 1, +inf */
  int64_t shape[1] = {6};
  char path[256];
  size_t n;
  npy_t a;
  err_t e;
  v[4] = NAN;
  scratch(path, sizeof path, "nan.npy");
  cr_assert_eq(npy_write_f32(path, 1, shape, v, &e), 0, "%s", e.msg);
  cr_expect_eq(npy_read(path, &a, &e), ERR_BAD_INPUT);
  cr_expect(names(e.msg, path, "data"), "%s", e.msg);
  cr_expect(strstr(e.msg, "element 4 is NaN") != NULL, "%s", e.msg);
  cr_expect_null(a.data);
  n = build(buf, 1, 0,
            "{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }", h,
            sizeof h);
  cr_expect_eq(npy_parse("i.npy", buf, n, &a, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "element 1 is +Inf") != NULL, "%s", e.msg);
  h[3] = 0xfe; /* 0xfe00: NaN */
  build(buf, 1, 0,
        "{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }", h,
        sizeof h);
  cr_expect_eq(npy_parse("i.npy", buf, n, &a, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "element 1 is NaN") != NULL, "%s", e.msg);
}

Test(npy, file_errors_name_the_file) {
  uint8_t buf[256], data[8] = {0};
  char path[256];
  size_t n = build(buf, 1, 0, "{'descr': '<i4', " GOOD_TAIL, data, 8);
  int64_t shape[1] = {1};
  float x = 1;
  npy_t a;
  err_t e;
  scratch(path, sizeof path, "bad-descr.npy");
  write_bin(path, buf, n);
  cr_expect_eq(npy_read(path, &a, &e), ERR_BAD_INPUT);
  cr_expect(names(e.msg, path, "descr"), "%s", e.msg);
  cr_expect(strstr(e.msg, "got '<i4'") != NULL, "%s", e.msg);
  write_bin(path, buf, 5); /* truncated inside the magic */
  cr_expect_eq(npy_read(path, &a, &e), ERR_BAD_INPUT);
  cr_expect(names(e.msg, path, "magic"), "%s", e.msg);
  cr_expect_eq(npy_read("build/tests/tmp/no-such.npy", &a, &e),
               ERR_BAD_INPUT);
  cr_expect(names(e.msg, "build/tests/tmp/no-such.npy", "file"), "%s", e.msg);
  cr_expect_eq(npy_write_f32("build/tests/tmp/no-dir/x.npy", 1, shape, &x,
                             &e), ERR_RUN);
}
