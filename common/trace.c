#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define HDR_FIXED 36

static void put32(uint8_t *p, uint32_t v) {
  int i;
  for (i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v) {
  int i;
  for (i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) {
  return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

int trw_open(trace_writer_t *w, FILE *f, uint64_t config_hash,
             const wl_t *wl, err_t *e) {
  uint8_t fixed[HDR_FIXED] = {0};
  static const uint8_t zeros[16];
  char text[TRACE_MAX_WL_TEXT];
  int n = wl_to_text(wl, text, sizeof text);
  uint32_t hbytes;
  if (n < 0 || (unsigned)n >= sizeof text)
    return err_set(e, ERR_BAD_INPUT, "workload too large for a trace header");
  hbytes = (uint32_t)((HDR_FIXED + n + 15) / 16 * 16);
  memcpy(fixed, TRACE_MAGIC, 8);
  put32(fixed + 8, TRACE_VERSION);
  put32(fixed + 12, hbytes);
  put64(fixed + 16, config_hash);
  put64(fixed + 24, 0);
  put32(fixed + 32, (uint32_t)n);
  w->f = f;
  w->count = 0;
  if (fwrite(fixed, 1, HDR_FIXED, f) != HDR_FIXED ||
      fwrite(text, 1, (size_t)n, f) != (size_t)n ||
      fwrite(zeros, 1, hbytes - HDR_FIXED - (uint32_t)n, f) !=
          hbytes - HDR_FIXED - (uint32_t)n)
    return err_set(e, ERR_RUN, "cannot write trace header");
  return 0;
}

/* One 16-byte record. */
static int trw_record(trace_writer_t *w, const insn_t *in, err_t *e) {
  uint8_t b[16];
  isa_encode(in, b);
  if (fwrite(b, 1, 16, w->f) != 16)
    return err_set(e, ERR_RUN, "cannot write trace");
  w->count++;
  return 0;
}

/* An instruction with a field past 16 bits goes out as EXT + itself; EXT
 * is the writer's own (given alone it could not be merged). */
int trw_put(trace_writer_t *w, const insn_t *in, err_t *e) {
  insn_t ext;
  if (in->op == OP_EXT)
    return err_set(e, ERR_BAD_INPUT, "EXT given as an instruction (expected "
                   "the wide value on the instruction itself; the writer "
                   "adds the EXT)");
  if (isa_is_wide(in)) {
    isa_ext(in, &ext);
    if (trw_record(w, &ext, e)) return e->status;
  }
  return trw_record(w, in, e);
}

int trw_close(trace_writer_t *w, err_t *e) {
  uint8_t b[8];
  long end = ftell(w->f);
  put64(b, w->count);
  if (end < 0 || fseek(w->f, 24, SEEK_SET) || fwrite(b, 1, 8, w->f) != 8 ||
      fseek(w->f, end, SEEK_SET) || fflush(w->f))
    return err_set(e, ERR_RUN, "cannot finish trace (stream not seekable?)");
  return 0;
}

static int read_exact(FILE *f, void *buf, size_t n) {
  return fread(buf, 1, n, f) == n ? 0 : -1;
}

/* Invariant on success: r->f is positioned at the first instruction. */
int trr_open(trace_reader_t *r, FILE *f, const char *name, err_t *e) {
  uint8_t fixed[HDR_FIXED];
  uint32_t hbytes, n;
  char *text;
  int rc;
  memset(r, 0, sizeof *r);
  r->f = f;
  r->name = name;
  if (read_exact(f, fixed, HDR_FIXED))
    return err_at(e, name, 0, 0, "header",
                  "file too short for a trace header (expected %d bytes)",
                  HDR_FIXED);
  if (memcmp(fixed, TRACE_MAGIC, 8))
    return err_at(e, name, 0, 0, "magic",
                  "not an attnsim trace (expected \"ATTNTRC\")");
  r->hdr.version = get32(fixed + 8);
  if (r->hdr.version != TRACE_VERSION)
    return err_at(e, name, 0, 0, "version",
                  "trace format version %u is not supported (got %u, "
                  "expected %u): recompile the workload",
                  r->hdr.version, r->hdr.version, TRACE_VERSION);
  hbytes = get32(fixed + 12);
  r->hdr.config_hash = get64(fixed + 16);
  r->hdr.count = get64(fixed + 24);
  n = get32(fixed + 32);
  if (n >= TRACE_MAX_WL_TEXT || hbytes != (HDR_FIXED + n + 15) / 16 * 16)
    return err_at(e, name, 0, 0, "header",
                  "inconsistent header sizes (got workload %u B, header %u B)",
                  n, hbytes);
  if (!(text = malloc(hbytes - HDR_FIXED + 1)))
    return err_set(e, ERR_RUN, "out of memory");
  if (read_exact(f, text, hbytes - HDR_FIXED)) {
    free(text);
    return err_at(e, name, 0, 0, "header", "truncated trace header");
  }
  text[n] = '\0';
  if (memchr(text, '\0', n)) {
    free(text);
    return err_at(e, name, 0, 0, "header",
                  "NUL byte in the workload text (expected %u bytes of text)",
                  n);
  }
  rc = wl_from_text(&r->hdr.wl, text, name, e);
  free(text);
  return rc;
}

/* One record: 1, 0 at the end, or an error. */
static int trr_record(trace_reader_t *r, insn_t *in, err_t *e) {
  uint8_t b[16];
  size_t got;
  if (r->index == r->hdr.count) {
    if (fread(b, 1, 1, r->f) == 1)
      return err_at(e, r->name, 0, 0, "count",
                    "data after the last instruction (header says %" PRIu64
                    ")", r->hdr.count);
    return 0;
  }
  got = fread(b, 1, 16, r->f);
  if (got != 16)
    return err_at(e, r->name, 0, 0, "count",
                  "truncated trace (got %" PRIu64 " instructions, expected %"
                  PRIu64 ")", r->index, r->hdr.count);
  if (isa_decode(b, in, e)) {
    char msg[sizeof e->msg];
    snprintf(msg, sizeof msg, "%s", e->msg);
    return err_at(e, r->name, 0, 0, "insn", "instruction %" PRIu64 ": %s",
                  r->index, msg);
  }
  r->index++;
  return 1;
}

/* The next instruction, an EXT prefix merged into it; errors name the
 * EXT's record. */
int trr_next(trace_reader_t *r, insn_t *in, err_t *e) {
  insn_t ext;
  uint64_t at = r->index;
  int rc = trr_record(r, in, e);
  if (rc != 1 || in->op != OP_EXT) return rc;
  ext = *in;
  if ((rc = trr_record(r, in, e)) == 0)
    return err_at(e, r->name, 0, 0, "insn", "instruction %" PRIu64 ": EXT "
                  "at the end of the trace (expected an instruction after it)",
                  at);
  if (rc != 1) return rc;
  if (isa_merge_ext(&ext, in, e)) {
    char msg[sizeof e->msg];
    snprintf(msg, sizeof msg, "%s", e->msg);
    return err_at(e, r->name, 0, 0, "insn", "instruction %" PRIu64 ": %s",
                  at, msg);
  }
  return 1;
}

int trace_disasm(trace_reader_t *r, FILE *out, err_t *e) {
  char text[TRACE_MAX_WL_TEXT], line[160], *p, *nl;
  insn_t in;
  int rc;
  fprintf(out, "; attnsim trace, text form (attnsim asm turns it back)\n");
  fprintf(out, ".version %u\n.config_hash 0x%016" PRIx64 "\n",
          r->hdr.version, r->hdr.config_hash);
  wl_to_text(&r->hdr.wl, text, sizeof text);
  for (p = text; *p; p = nl + 1) {
    if (!(nl = strchr(p, '\n'))) break;
    fprintf(out, ".workload %.*s\n", (int)(nl - p), p);
  }
  while ((rc = trr_next(r, &in, e)) == 1) {
    isa_format(&in, line, sizeof line);
    fprintf(out, "%s\n", line);
  }
  return rc;
}

/* Strip a ';' comment and trailing blanks in place. */
static char *strip(char *s) {
  char *c = strchr(s, ';');
  size_t n;
  if (c) *c = '\0';
  while (*s == ' ' || *s == '\t') s++;
  n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
               s[n - 1] == '\r'))
    s[--n] = '\0';
  return s;
}

typedef struct asm_state {
  char *wl_text;
  size_t wl_len, wl_cap;
  int *wl_lines;     /* file line of each .workload line */
  int wl_n, wl_col;  /* lines so far; column of the first assignment */
  uint64_t hash;
  int have_version, have_hash;
  trace_writer_t w;
  int opened;
} asm_state_t;

/* Keep one ".workload key=value" line and where it came from. */
static int asm_append_wl(asm_state_t *st, const char *kv, int lineno,
                         int col) {
  size_t n = strlen(kv);
  int *lines = realloc(st->wl_lines, (size_t)(st->wl_n + 1) * sizeof *lines);
  if (!lines) return -1;
  st->wl_lines = lines;
  st->wl_lines[st->wl_n++] = lineno;
  st->wl_col = col;
  if (st->wl_len + n + 2 > st->wl_cap) {
    size_t cap = st->wl_cap ? 2 * st->wl_cap + n : 4096 + n;
    char *p = realloc(st->wl_text, cap);
    if (!p) return -1;
    st->wl_text = p;
    st->wl_cap = cap;
  }
  memcpy(st->wl_text + st->wl_len, kv, n);
  st->wl_len += n;
  st->wl_text[st->wl_len++] = '\n';
  st->wl_text[st->wl_len] = '\0';
  return 0;
}

/* s is the directive with blanks and comment stripped; it starts at
 * column col of line lineno. */
static int asm_directive(asm_state_t *st, char *s, const char *name,
                         int lineno, int col, err_t *e) {
  char *end;
  if (strncmp(s, ".version ", 9) == 0) {
    unsigned long v = strtoul(s + 9, &end, 0);
    if (*end || v != TRACE_VERSION)
      return err_at(e, name, lineno, col + 9, ".version",
                    "unsupported version (got %s, expected %u)", s + 9,
                    TRACE_VERSION);
    st->have_version = 1;
  } else if (strncmp(s, ".config_hash ", 13) == 0) {
    errno = 0;
    st->hash = strtoull(s + 13, &end, 0);
    if (*end || end == s + 13 || errno == ERANGE || s[13] == '-')
      return err_at(e, name, lineno, col + 13, ".config_hash",
                    "expected a 64-bit number (got %.40s)", s + 13);
    st->have_hash = 1;
  } else if (strncmp(s, ".workload ", 10) == 0) {
    if (st->opened)
      return err_at(e, name, lineno, 1, ".workload",
                    "workload lines must come before instructions");
    if (asm_append_wl(st, s + 10, lineno, col + 10))
      return err_set(e, ERR_RUN, "out of memory");
  } else {
    return err_at(e, name, lineno, 1, "directive", "unknown directive (got %s)",
                  s);
  }
  return 0;
}

static int asm_begin(asm_state_t *st, FILE *out, const char *name,
                     int lineno, err_t *e) {
  wl_t wl;
  if (!st->have_version || !st->have_hash)
    return err_at(e, name, lineno, 1, "header",
                  "expected .version and .config_hash before instructions");
  if (wl_from_text_at(&wl, st->wl_text ? st->wl_text : "", name, st->wl_lines,
                      st->wl_col, e))
    return ERR_BAD_INPUT;
  st->opened = 1;
  return trw_open(&st->w, out, st->hash, &wl, e);
}

int trace_asm(FILE *in, const char *name, FILE *out, err_t *e) {
  asm_state_t st;
  char *buf = NULL, *s;
  size_t cap = 0;
  int lineno = 0, rc = 0;
  insn_t ins;
  memset(&st, 0, sizeof st);
  ssize_t got;
  while (!rc && (got = getline(&buf, &cap, in)) >= 0) {
    lineno++;
    if (memchr(buf, '\0', (size_t)got)) {
      rc = err_at(e, name, lineno, (int)((char *)memchr(buf, '\0', (size_t)got) - buf) + 1,
                  "line", "NUL byte in a text trace line");
      break;
    }
    s = strip(buf); /* blanks and comment cut; buf keeps the indentation */
    if (!*s) continue;
    if (*s == '.')
      rc = asm_directive(&st, s, name, lineno, (int)(s - buf) + 1, e);
    else if (!(rc = st.opened ? 0 : asm_begin(&st, out, name, lineno, e)) &&
             !(rc = isa_parse(buf, &ins, name, lineno, e)))
      rc = trw_put(&st.w, &ins, e);
  }
  if (!rc && !st.opened) rc = asm_begin(&st, out, name, lineno, e);
  if (!rc) rc = trw_close(&st.w, e);
  free(buf);
  free(st.wl_text);
  free(st.wl_lines);
  return rc;
}
