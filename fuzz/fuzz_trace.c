/* fuzz_trace.c - libFuzzer target for the binary trace decoder.
 *
 * The input is a trace file (read through fmemopen): trr_open, then
 * trr_next until the end or an error. A trace that decodes completely is
 * disassembled, assembled back and disassembled again: the two texts must
 * be identical (disasm and asm are documented to round-trip).
 * Aborts (a finding) on a status other than 0, 1 or 2, or when trr_next
 * hands out more instructions than the header counts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_status(int rc, const err_t *e) {
  if (rc != 0 && rc != ERR_RUN && rc != ERR_BAD_INPUT) abort();
  if (rc && (rc != e->status || !e->msg[0])) abort(); /* says what */
}

/* Disassemble the trace in f (from the start) into a malloc'ed string;
 * NULL when the stream cannot be made. Returns the status in *rc. */
static char *disasm(FILE *f, int *rc) {
  trace_reader_t r;
  err_t e;
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  if (!out) return NULL;
  err_clear(&e);
  *rc = trr_open(&r, f, "<trace>", &e);
  if (!*rc) *rc = trace_disasm(&r, out, &e);
  check_status(*rc, &e);
  fclose(out);
  return text;
}

/* text -> asm -> binary -> disasm must reproduce text. */
static void roundtrip(const char *text) {
  FILE *in = fmemopen((void *)text, strlen(text), "r");
  FILE *bin = tmpfile();
  char *again;
  err_t e;
  int rc;
  if (!in || !bin) {
    if (in) fclose(in);
    if (bin) fclose(bin);
    return;
  }
  err_clear(&e);
  rc = trace_asm(in, "<disasm>", bin, &e);
  fclose(in);
  if (rc) {
    fprintf(stderr, "disassembly does not assemble: %s\n", e.msg);
    abort();
  }
  rewind(bin);
  again = disasm(bin, &rc);
  fclose(bin);
  if (!again) return;
  if (rc || strcmp(text, again)) {
    fprintf(stderr, "asm/disasm round trip differs (rc %d)\n", rc);
    abort();
  }
  free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  trace_reader_t r;
  insn_t in;
  err_t e;
  FILE *f;
  char *text;
  uint64_t n = 0;
  int rc;
  if (!size || !(f = fmemopen((void *)data, size, "rb"))) return 0;
  err_clear(&e);
  rc = trr_open(&r, f, "<fuzz>", &e);
  check_status(rc, &e);
  if (!rc) {
    while ((rc = trr_next(&r, &in, &e)) == 1)
      if (++n > r.hdr.count) abort();
    check_status(rc, &e);
    if (rc == 0 && r.index != r.hdr.count) abort(); /* records, EXTs too */
  }
  if (rc == 0) {
    rewind(f);
    text = disasm(f, &rc);
    if (text && rc == 0) roundtrip(text);
    free(text);
  }
  fclose(f);
  return 0;
}
