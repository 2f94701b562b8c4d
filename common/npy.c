/* npy.c - NumPy .npy reader and float32 writer.
 *
 * File layout (all versions):
 *   "\x93NUMPY" major minor  header_len  header  data
 *   6 bytes     1     1      2 (v1) or 4 (v2, v3) bytes, little-endian
 * The header is a Python dict literal, e.g.
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (12, 12, 64, 64), }
 * padded with spaces and a newline. We accept exactly the keys descr,
 * fortran_order and shape, each once; descr '<f4' or '<f2'; C order.
 *
 * Order of checks: prefix (magic, version, header_len against the file
 * size), dict, shape product, data length. Only then is the float array
 * allocated; NaN/Inf elements are found while converting and reported
 * with the flat index of the first one.
 */
#include "npy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_HDR_MAX 65536      /* bytes; numpy itself writes < 200 */
#define NPY_CHUNK 65536        /* bytes read per fread when streaming */

/* What the prefix and header say about the data. */
typedef struct npy_hdr {
  size_t data_off; /* bytes before the data */
  int itemsize;    /* 4 ('<f4') or 2 ('<f2') */
  int ndim;
  int64_t shape[NPY_MAX_DIMS];
  int64_t count;
} npy_hdr_t;

/* Cursor over the header text. */
typedef struct cur {
  const char *s; /* header start (offsets in messages count from here) */
  size_t at, len;
} cur_t;

/* ---- prefix ----------------------------------------------------------- */

/* Check magic, version and header_len from the first bytes of a file of
 * size total; sets h->data_off and *hdr_len. */
static int parse_prefix(const char *name, const uint8_t *b, size_t n,
                        uint64_t total, npy_hdr_t *h, size_t *hdr_len,
                        err_t *e) {
  size_t pre, i;
  uint64_t hl;
  char got[3 * NPY_MAGIC_LEN + 8] = "empty file";
  if (n < NPY_MAGIC_LEN || memcmp(b, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
    for (i = 0; i < n && i < NPY_MAGIC_LEN; i++) /* "xx yy ..." */
      snprintf(got + (i ? 3 * i - 1 : 0), sizeof got - 3 * i, "%s%02x",
               i ? " " : "", b[i]);
    return err_at(e, name, 0, 0, "magic",
                  "not a .npy file (got bytes %s, expected 93 4e 55 4d 50 "
                  "59, the magic string \\x93NUMPY)", got);
  }
  if (n < NPY_MAGIC_LEN + 2)
    return err_at(e, name, 0, 0, "version",
                  "file ends inside the prefix (got %zu bytes, expected at "
                  "least %d)", n, NPY_MAGIC_LEN + 2);
  if (b[6] < 1 || b[6] > 3 || b[7] != 0)
    return err_at(e, name, 0, 0, "version",
                  "unsupported format version (got %d.%d, expected 1.0, "
                  "2.0 or 3.0)", b[6], b[7]);
  pre = b[6] == 1 ? 10 : 12;
  if (n < pre)
    return err_at(e, name, 0, 0, "header_len",
                  "file ends inside the prefix (got %zu bytes, expected at "
                  "least %zu)", n, pre);
  hl = b[6] == 1 ? (uint64_t)b[8] | (uint64_t)b[9] << 8
                 : (uint64_t)b[8] | (uint64_t)b[9] << 8 |
                       (uint64_t)b[10] << 16 | (uint64_t)b[11] << 24;
  if (hl > NPY_HDR_MAX)
    return err_at(e, name, 0, 0, "header_len",
                  "header too long (got %" PRIu64 " bytes, expected at most "
                  "%d)", hl, NPY_HDR_MAX);
  if (hl > total - pre)
    return err_at(e, name, 0, 0, "header_len",
                  "header runs past the end of the file (got %" PRIu64
                  " bytes, expected at most %" PRIu64 ")", hl, total - pre);
  *hdr_len = (size_t)hl;
  h->data_off = pre + (size_t)hl;
  return 0;
}

/* ---- header dict ------------------------------------------------------ */

static bool is_ws(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static void skip_ws(cur_t *c) {
  while (c->at < c->len && is_ws(c->s[c->at])) c->at++;
}

/* The next character, printable, for "got" in messages. */
static const char *peek_str(const cur_t *c, char buf[8]) {
  unsigned char ch;
  if (c->at >= c->len) return "end of header";
  ch = (unsigned char)c->s[c->at];
  if (ch >= 0x20 && ch < 0x7f)
    snprintf(buf, 8, "\"%c\"", ch);
  else
    snprintf(buf, 8, "\\x%02x", ch);
  return buf;
}

static int syntax(const char *name, const cur_t *c, const char *what,
                  err_t *e) {
  char b[8];
  return err_at(e, name, 0, 0, "header",
                "bad dict syntax at offset %zu (got %s, expected %s)", c->at,
                peek_str(c, b), what);
}

/* Skip whitespace, then consume ch if it is next. */
static bool eat(cur_t *c, char ch) {
  skip_ws(c);
  if (c->at < c->len && c->s[c->at] == ch) {
    c->at++;
    return true;
  }
  return false;
}

/* A quoted string without escapes (repr() of our keys and descrs has
 * none) into buf. Returns 0, or a syntax error naming what was expected
 * (no opening quote) or an unterminated/overlong string. */
static int read_str(const char *name, cur_t *c, char *buf, size_t cap,
                    const char *what, err_t *e) {
  char q;
  size_t n = 0, start;
  skip_ws(c);
  start = c->at;
  if (c->at >= c->len || (c->s[c->at] != '\'' && c->s[c->at] != '"'))
    return syntax(name, c, what, e);
  q = c->s[c->at++];
  while (c->at < c->len && c->s[c->at] != q && c->s[c->at] != '\\' &&
         c->s[c->at] != '\n' && n + 1 < cap)
    buf[n++] = c->s[c->at++];
  if (c->at >= c->len || c->s[c->at] != q)
    return err_at(e, name, 0, 0, "header",
                  "bad string at offset %zu (got no closing quote within "
                  "%zu characters, expected a short quoted name without "
                  "escapes)", start, cap - 1);
  c->at++;
  buf[n] = '\0';
  return 0;
}

/* A bare word of letters (True, False). */
static size_t read_word(cur_t *c, char *buf, size_t cap) {
  size_t n = 0;
  skip_ws(c);
  while (c->at < c->len && n + 1 < cap &&
         ((c->s[c->at] >= 'A' && c->s[c->at] <= 'Z') ||
          (c->s[c->at] >= 'a' && c->s[c->at] <= 'z')))
    buf[n++] = c->s[c->at++];
  buf[n] = '\0';
  return n;
}

static int parse_descr(const char *name, cur_t *c, npy_hdr_t *h, err_t *e) {
  char v[32];
  int rc = read_str(name, c, v, sizeof v, "a quoted dtype", e);
  if (rc) return rc;
  if (strcmp(v, "<f4") == 0)
    h->itemsize = 4;
  else if (strcmp(v, "<f2") == 0)
    h->itemsize = 2;
  else
    return err_at(e, name, 0, 0, "descr",
                  "unsupported dtype (got '%s', expected '<f4' or '<f2')", v);
  return 0;
}

static int parse_order(const char *name, cur_t *c, err_t *e) {
  char v[16];
  read_word(c, v, sizeof v);
  if (strcmp(v, "False") == 0) return 0;
  if (strcmp(v, "True") == 0)
    return err_at(e, name, 0, 0, "fortran_order",
                  "Fortran-ordered arrays are not supported (got True, "
                  "expected False)");
  return syntax(name, c, "True or False", e);
}

/* A decimal literal in 0 .. NPY_MAX_ELEMS (a larger dimension could
 * never pass the element limit, and stopping early avoids overflow). */
static int parse_dim(const char *name, cur_t *c, int64_t *v, err_t *e) {
  int64_t x = 0;
  size_t start;
  skip_ws(c);
  start = c->at;
  if (c->at < c->len && c->s[c->at] == '-')
    return err_at(e, name, 0, 0, "shape",
                  "negative dimension at offset %zu (expected sizes >= 0)",
                  start);
  while (c->at < c->len && c->s[c->at] >= '0' && c->s[c->at] <= '9') {
    x = x * 10 + (c->s[c->at++] - '0');
    if (x > NPY_MAX_ELEMS)
      return err_at(e, name, 0, 0, "shape",
                    "dimension too large at offset %zu (got more than "
                    "%" PRId64 ", expected at most %" PRId64 ")", start,
                    NPY_MAX_ELEMS, NPY_MAX_ELEMS);
  }
  if (c->at == start) return syntax(name, c, "a dimension", e);
  *v = x;
  return 0;
}

/* A Python tuple of ints: (), (n,), (n, m), (n, m,) ... */
static int parse_shape(const char *name, cur_t *c, npy_hdr_t *h, err_t *e) {
  int rc;
  h->ndim = 0;
  if (!eat(c, '(')) return syntax(name, c, "'(' opening the shape tuple", e);
  if (eat(c, ')')) return 0;
  for (;;) {
    if (h->ndim == NPY_MAX_DIMS)
      return err_at(e, name, 0, 0, "shape",
                    "too many dimensions (got more than %d, expected at "
                    "most %d)", NPY_MAX_DIMS, NPY_MAX_DIMS);
    if ((rc = parse_dim(name, c, &h->shape[h->ndim++], e))) return rc;
    if (eat(c, ')')) break;
    if (!eat(c, ',')) return syntax(name, c, "',' or ')' in the shape", e);
    if (eat(c, ')')) return 0;
  }
  if (h->ndim == 1) /* (n) is an int in Python, not a tuple */
    return err_at(e, name, 0, 0, "shape",
                  "not a tuple (got (%" PRId64 "), expected (%" PRId64
                  ",) for one dimension)", h->shape[0], h->shape[0]);
  return 0;
}

/* The dict: exactly the keys descr, fortran_order and shape, each once. */
static int parse_dict(const char *name, const char *s, size_t len,
                      npy_hdr_t *h, err_t *e) {
  static const char *const keys[3] = {"descr", "fortran_order", "shape"};
  cur_t c = {s, 0, len};
  bool seen[3] = {false, false, false};
  char key[32];
  int k, rc;
  if (!eat(&c, '{')) return syntax(name, &c, "'{' opening the header", e);
  while (!eat(&c, '}')) {
    if ((rc = read_str(name, &c, key, sizeof key, "a quoted key or '}'", e)))
      return rc;
    for (k = 0; k < 3 && strcmp(key, keys[k]) != 0; k++) {}
    if (k == 3)
      return err_at(e, name, 0, 0, "header",
                    "unknown key (got '%s', expected descr, fortran_order "
                    "or shape)", key);
    if (seen[k])
      return err_at(e, name, 0, 0, keys[k],
                    "key given twice (expected each key once)");
    seen[k] = true;
    if (!eat(&c, ':')) return syntax(name, &c, "':' after the key", e);
    rc = k == 0 ? parse_descr(name, &c, h, e)
         : k == 1 ? parse_order(name, &c, e)
                  : parse_shape(name, &c, h, e);
    if (rc) return rc;
    if (eat(&c, ',')) continue;
    skip_ws(&c);
    if (c.at >= len || s[c.at] != '}')
      return syntax(name, &c, "',' or '}' after a value", e);
  }
  skip_ws(&c);
  if (c.at != len)
    return syntax(name, &c, "only spaces and a newline after the dict", e);
  for (k = 0; k < 3; k++)
    if (!seen[k])
      return err_at(e, name, 0, 0, keys[k],
                    "missing from the header (expected descr, fortran_order "
                    "and shape)");
  return 0;
}

/* Element count within limits, and data length == count * itemsize. */
static int check_data(const char *name, npy_hdr_t *h, uint64_t data_len,
                      err_t *e) {
  int i;
  h->count = 1;
  for (i = 0; i < h->ndim; i++)
    if (h->shape[i] == 0) h->count = 0;
  for (i = 0; i < h->ndim && h->count; i++) {
    if (h->shape[i] > NPY_MAX_ELEMS / h->count)
      return err_at(e, name, 0, 0, "shape",
                    "too many elements (got a shape whose product exceeds "
                    "%" PRId64 ", expected at most %" PRId64 ")",
                    NPY_MAX_ELEMS, NPY_MAX_ELEMS);
    h->count *= h->shape[i];
  }
  if (data_len != (uint64_t)h->count * (uint64_t)h->itemsize)
    return err_at(e, name, 0, 0, "data",
                  "data length does not match the shape (got %" PRIu64
                  " bytes, expected %" PRId64 " x %d = %" PRId64 ")",
                  data_len, h->count, h->itemsize,
                  h->count * h->itemsize);
  return 0;
}

/* ---- conversion ------------------------------------------------------- */

/* IEEE binary16 -> float, by hand. Callers have rejected exponent 31
 * (inf/NaN) already. */
static float half_to_float(uint16_t x) {
  uint32_t sign = (uint32_t)(x >> 15) << 31, ex = (x >> 10) & 0x1f,
           man = x & 0x3ff, bits;
  float f;
  if (ex == 0) { /* zero or subnormal: man * 2^-24, exact in float */
    f = (float)man * 0x1p-24f;
    return sign ? -f : f;
  }
  bits = sign | (ex - 15 + 127) << 23 | man << 13;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* Convert n little-endian elements; returns the index (within this chunk)
 * of the first NaN/Inf, or -1; nan and neg then describe that element. */
static int64_t convert(int itemsize, const uint8_t *raw, int64_t n,
                       float *out, bool *nan, bool *neg) {
  int64_t i;
  for (i = 0; i < n; i++) {
    const uint8_t *b = raw + i * itemsize;
    if (itemsize == 2) {
      uint16_t x = (uint16_t)(b[0] | b[1] << 8);
      if ((x & 0x7c00) == 0x7c00) {
        *nan = (x & 0x3ff) != 0, *neg = x >> 15;
        return i;
      }
      out[i] = half_to_float(x);
    } else {
      uint32_t x = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
                   (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
      if ((x & 0x7f800000u) == 0x7f800000u) {
        *nan = (x & 0x7fffffu) != 0, *neg = x >> 31;
        return i;
      }
      memcpy(&out[i], &x, sizeof x);
    }
  }
  return -1;
}

static int bad_value(const char *name, int64_t at, bool nan, bool neg,
                     err_t *e) {
  return err_at(e, name, 0, 0, "data",
                "element %" PRId64 " is %s (expected finite values)", at,
                nan ? "NaN" : neg ? "-Inf" : "+Inf");
}

static int alloc_out(const char *name, const npy_hdr_t *h, npy_t *out,
                     err_t *e) {
  int i;
  out->data = malloc((size_t)(h->count ? h->count : 1) * sizeof(float));
  if (!out->data)
    return err_set(e, ERR_RUN, "%s: out of memory for %" PRId64 " floats",
                   name, h->count);
  out->ndim = h->ndim;
  out->count = h->count;
  for (i = 0; i < h->ndim; i++) out->shape[i] = h->shape[i];
  return 0;
}

/* ---- public ----------------------------------------------------------- */

int npy_parse(const char *name, const uint8_t *buf, size_t len, npy_t *out,
              err_t *e) {
  npy_hdr_t h;
  size_t hlen;
  int64_t bad;
  bool nan = false, neg = false;
  int rc;
  memset(out, 0, sizeof *out);
  memset(&h, 0, sizeof h);
  if ((rc = parse_prefix(name, buf, len < 12 ? len : 12, len, &h, &hlen, e)))
    return rc;
  if ((rc = parse_dict(name, (const char *)buf + h.data_off - hlen, hlen, &h,
                       e)) ||
      (rc = check_data(name, &h, len - h.data_off, e)) ||
      (rc = alloc_out(name, &h, out, e)))
    return rc;
  bad = convert(h.itemsize, buf + h.data_off, h.count, out->data, &nan, &neg);
  if (bad >= 0) {
    npy_free(out);
    return bad_value(name, bad, nan, neg, e);
  }
  return 0;
}

/* Stream the data of an opened file into out->data, chunk by chunk (with
 * out->data NULL: only check every element). */
static int read_data(const char *path, FILE *f, const npy_hdr_t *h,
                     npy_t *out, err_t *e) {
  int64_t per = NPY_CHUNK / h->itemsize, done, n, bad = -1;
  bool nan = false, neg = false;
  uint8_t *raw = malloc(NPY_CHUNK);
  float *chunk = out->data ? NULL : malloc((size_t)per * sizeof *chunk);
  int rc = 0;
  if (!raw || (!out->data && !chunk)) {
    free(raw);
    return err_set(e, ERR_RUN, "%s: out of memory", path);
  }
  for (done = 0; done < h->count && !rc; done += n) {
    n = h->count - done < per ? h->count - done : per;
    if (fread(raw, (size_t)h->itemsize, (size_t)n, f) != (size_t)n)
      rc = err_set(e, ERR_RUN, "%s: read error in the data", path);
    else if ((bad = convert(h->itemsize, raw, n,
                            chunk ? chunk : out->data + done, &nan,
                            &neg)) >= 0)
      rc = bad_value(path, done + bad, nan, neg, e);
  }
  free(raw);
  free(chunk);
  return rc;
}

/* Open and check path; with keep, leave the data in the file (npy_open),
 * else read it into out->data. */
static int npy_load(const char *path, npy_t *out, bool keep, err_t *e) {
  uint8_t pre[12];
  char *hdr = NULL;
  npy_hdr_t h;
  struct stat st;
  size_t n, hlen;
  int rc;
  FILE *f;
  memset(out, 0, sizeof *out);
  memset(&h, 0, sizeof h);
  if (!(f = fopen(path, "rb")))
    return err_at(e, path, 0, 0, "file", "cannot open (%s)", strerror(errno));
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    fclose(f);
    return err_at(e, path, 0, 0, "file", "not a regular file");
  }
  n = fread(pre, 1, sizeof pre, f);
  rc = parse_prefix(path, pre, n, (uint64_t)st.st_size, &h, &hlen, e);
  if (!rc && !(hdr = malloc(hlen ? hlen : 1)))
    rc = err_set(e, ERR_RUN, "%s: out of memory", path);
  if (!rc && (fseek(f, (long)(h.data_off - hlen), SEEK_SET) != 0 ||
              fread(hdr, 1, hlen, f) != hlen))
    rc = err_set(e, ERR_RUN, "%s: read error in the header", path);
  if (!rc) rc = parse_dict(path, hdr, hlen, &h, e);
  if (!rc) rc = check_data(path, &h, (uint64_t)st.st_size - h.data_off, e);
  if (!rc && keep) { /* the data stays in the file: check it only */
    out->ndim = h.ndim;
    out->count = h.count;
    memcpy(out->shape, h.shape, sizeof out->shape);
  } else if (!rc) {
    rc = alloc_out(path, &h, out, e);
  }
  if (!rc) rc = read_data(path, f, &h, out, e);
  if (rc) npy_free(out);
  free(hdr);
  if (!rc && keep) {
    out->file = f;
    out->data_off = h.data_off;
    out->itemsize = h.itemsize;
  } else {
    fclose(f);
  }
  return rc;
}

int npy_read(const char *path, npy_t *out, err_t *e) {
  return npy_load(path, out, false, e);
}

int npy_open(const char *path, npy_t *out, err_t *e) {
  return npy_load(path, out, true, e);
}

int npy_get(const npy_t *a, int64_t first, int64_t n, float *out) {
  uint8_t raw[NPY_CHUNK];
  int64_t per = NPY_CHUNK / (a->itemsize ? a->itemsize : 4), done, k;
  bool nan, neg;
  if (a->data) {
    memcpy(out, a->data + first, (size_t)n * sizeof *out);
    return 0;
  }
  if (fseeko((FILE *)a->file,
             (off_t)(a->data_off + (uint64_t)first * (uint64_t)a->itemsize),
             SEEK_SET) != 0) {
    memset(out, 0, (size_t)n * sizeof *out);
    return -1;
  }
  for (done = 0; done < n; done += k) {
    k = n - done < per ? n - done : per;
    if (fread(raw, (size_t)a->itemsize, (size_t)k, (FILE *)a->file) !=
            (size_t)k ||
        convert(a->itemsize, raw, k, out + done, &nan, &neg) >= 0) {
      memset(out, 0, (size_t)n * sizeof *out); /* changed since opened */
      return -1;
    }
  }
  return 0;
}

void npy_free(npy_t *a) {
  free(a->data);
  if (a->file) fclose((FILE *)a->file);
  memset(a, 0, sizeof *a);
}

/* "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" padded
 * with spaces and '\n' so that the data starts on a 64-byte boundary. */
static size_t make_header(char *h, size_t cap, int ndim,
                          const int64_t *shape) {
  size_t n;
  int i;
  n = (size_t)snprintf(h, cap, "{'descr': '<f4', 'fortran_order': False, "
                               "'shape': (");
  for (i = 0; i < ndim; i++)
    n += (size_t)snprintf(h + n, cap - n, "%s%" PRId64, i ? ", " : "",
                          shape[i]);
  n += (size_t)snprintf(h + n, cap - n, "%s), }", ndim == 1 ? "," : "");
  while ((10 + n + 1) % 64 != 0) h[n++] = ' ';
  h[n++] = '\n';
  return n;
}

int npy_write_f32(const char *path, int ndim, const int64_t *shape,
                  const float *data, err_t *e) {
  char h[512];
  uint8_t pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0}, b[4];
  int64_t count = 1, i;
  size_t hl;
  bool ok;
  FILE *f;
  if (ndim < 0 || ndim > NPY_MAX_DIMS)
    return err_set(e, ERR_RUN, "%s: cannot write %d dimensions (expected "
                   "0..%d)", path, ndim, NPY_MAX_DIMS);
  for (i = 0; i < ndim; i++) {
    if (shape[i] < 0 || (shape[i] && count > NPY_MAX_ELEMS / shape[i]))
      return err_set(e, ERR_RUN, "%s: bad shape for writing", path);
    count *= shape[i];
  }
  hl = make_header(h, sizeof h, ndim, shape);
  pre[8] = (uint8_t)(hl & 0xff), pre[9] = (uint8_t)(hl >> 8);
  if (!(f = fopen(path, "wb")))
    return err_set(e, ERR_RUN, "%s: cannot create (%s)", path,
                   strerror(errno));
  ok = fwrite(pre, 1, 10, f) == 10 && fwrite(h, 1, hl, f) == hl;
  for (i = 0; ok && i < count; i++) {
    uint32_t x;
    memcpy(&x, &data[i], sizeof x);
    b[0] = (uint8_t)x, b[1] = (uint8_t)(x >> 8), b[2] = (uint8_t)(x >> 16),
    b[3] = (uint8_t)(x >> 24);
    ok = fwrite(b, 1, 4, f) == 4;
  }
  if (fclose(f) != 0) ok = false;
  if (!ok) return err_set(e, ERR_RUN, "%s: write error", path);
  return 0;
}
