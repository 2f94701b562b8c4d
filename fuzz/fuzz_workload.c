/* fuzz_workload.c - libFuzzer target for the workload loaders.
 *
 * The input is loaded twice: as a YAML file (written to a per-process
 * scratch file, wl_load) and as the trace header's "key=value" text
 * (wl_from_text). A workload either path accepts must satisfy the
 * schema's ranges and the cross-field rules, and must survive
 * wl_to_text -> wl_from_text unchanged (that text is how a trace carries
 * its workload). Aborts (a finding) on a status other than 0, 1 or 2.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workload.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void cleanup(void) { unlink(path); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  snprintf(path, sizeof path, "/tmp/attnsim-fuzz-%d.yaml", (int)getpid());
  atexit(cleanup);
  return 0;
}

static void check_status(int rc, const err_t *e) {
  if (rc != 0 && rc != ERR_RUN && rc != ERR_BAD_INPUT) abort();
  if (rc && (rc != e->status || !e->msg[0])) abort(); /* says what */
}

/* Cheap invariants of an accepted workload (schema in workload.c). */
static void check_wl(const wl_t *w) {
  int c;
  if (w->layers < 1 || w->layers > 1024 || w->heads < 1 || w->heads > 1024 ||
      w->head_dim < 1 || w->head_dim > 1024)
    abort();
  if (w->phase != WL_PREFILL && w->phase != WL_DECODE && w->phase != WL_SERVE)
    abort();
  if (w->source != WL_SYNTHETIC && w->source != WL_NPY) abort();
  if (w->ncases < 1 || w->ncases > WL_MAX_CASES) abort();
  for (c = 0; c < w->ncases; c++)
    if (w->tokens[c] < 1 || w->tokens[c] > WL_MAX_TOKENS) abort();
  if (wl_generates(w) && (w->batch < 1 || w->batch > WL_MAX_SEQS)) abort();
  for (c = 0; wl_generates(w) && c < w->batch; c++)
    if (w->ncases != 1 || wl_prompt(w, c) < 0 || w->generate < 1 ||
        wl_prompt(w, c) + w->generate > WL_MAX_TOKENS)
      abort();
  if (w->kv_heads < 0 || (w->kv_heads && w->heads % w->kv_heads)) abort();
  if (w->v_from_k < 0 || w->v_from_k > w->head_dim) abort();
  if (wl_tensor_elems(w) > WL_MAX_ELEMS) abort();
  if (!(w->std > 0 && w->std <= 1000)) abort();
  if (!(w->salience >= 0 && w->salience <= 1000)) abort();
  if (!memchr(w->name, '\0', sizeof w->name)) abort();
  if (w->source == WL_NPY &&
      (!w->q_path[0] || !w->k_path[0] || (!w->v_from_k && !w->v_path[0])))
    abort();
  for (c = 0; c < wl_cases(w); c++)
    if (wl_queries(w, c) < 1 || wl_ctx_tokens(w, c) < wl_queries(w, c) ||
        wl_keys(w, c, wl_queries(w, c) - 1) > wl_ctx_tokens(w, c) ||
        wl_keys(w, c, 0) < 1)
      abort();
}

/* wl_to_text -> wl_from_text must give back the same text. */
static void roundtrip(const wl_t *w) {
  static char a[1 << 17], b[1 << 17];
  wl_t back;
  err_t e;
  int n = wl_to_text(w, a, sizeof a), rc;
  if (n < 0 || (size_t)n >= sizeof a) abort();
  err_clear(&e);
  rc = wl_from_text(&back, a, "<roundtrip>", &e);
  if (rc) {
    fprintf(stderr, "wl_to_text output does not reload: %s\n", e.msg);
    abort();
  }
  wl_to_text(&back, b, sizeof b);
  if (strcmp(a, b)) {
    fprintf(stderr, "workload text changes on reload:\n%s---\n%s", a, b);
    abort();
  }
}

static int write_file(const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  if (fwrite(data, 1, size, f) != size) {
    fclose(f);
    return -1;
  }
  return fclose(f);
}

static void accepted(int rc, const err_t *e, const wl_t *w) {
  check_status(rc, e);
  if (rc) return;
  check_wl(w);
  roundtrip(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wl_t w;
  err_t e;
  char *text;
  if (!write_file(data, size)) {
    err_clear(&e);
    accepted(wl_load(path, &w, &e), &e, &w);
  }
  if (!(text = malloc(size + 1))) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  err_clear(&e);
  accepted(wl_from_text(&w, text, "<text>", &e), &e, &w);
  free(text);
  return 0;
}
