/* fuzz_asm.c - libFuzzer target for the text assembler.
 *
 * The input is trace text (attnsim disasm's format), assembled with
 * trace_asm into a memory stream. Whatever the assembler accepts must be
 * a trace the decoder reads back completely, with as many instructions
 * as the header says. Aborts (a finding) on a status other than 0, 1
 * or 2.
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

/* The assembled trace must decode cleanly. */
static void decode(const char *bin, size_t len) {
  trace_reader_t r;
  insn_t in;
  err_t e;
  uint64_t n = 0;
  int rc;
  FILE *f = fmemopen((void *)bin, len, "rb");
  if (!f) return;
  err_clear(&e);
  if (!(rc = trr_open(&r, f, "<assembled>", &e)))
    while ((rc = trr_next(&r, &in, &e)) == 1) n++;
  fclose(f);
  if (rc || r.index != r.hdr.count) { /* records, EXT prefixes included */
    fprintf(stderr, "assembled trace does not decode (rc %d, %llu of %llu "
                    "instructions): %s\n", rc, (unsigned long long)n,
            (unsigned long long)r.hdr.count, e.msg);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *bin = NULL;
  size_t len = 0;
  FILE *in, *out;
  err_t e;
  int rc;
  if (!size || !(in = fmemopen((void *)data, size, "r"))) return 0;
  if (!(out = open_memstream(&bin, &len))) {
    fclose(in);
    return 0;
  }
  err_clear(&e);
  rc = trace_asm(in, "<fuzz>", out, &e);
  fclose(in);
  check_status(rc, &e);
  fclose(out);
  if (!rc) decode(bin, len);
  free(bin);
  return 0;
}
