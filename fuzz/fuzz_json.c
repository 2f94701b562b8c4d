/* fuzz_json.c - libFuzzer target for the JSON reader and the sweep folder
 * files built on it (sweep.json manifests and point files).
 *
 * The input is parsed with js_parse; a document that parses must be a
 * consistent tree (each container's child count equals its linked
 * children, object members have keys, array items do not). Then the input
 * is loaded twice through res_load: as the point file of a one-point
 * sweep folder, and as a manifest. Aborts (a finding) on a status other
 * than 0, 1 or 2, an error without a message, or an inconsistent tree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "results.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char a[64], b[64], amani[96], apoint[128], bmani[96], apts[80], bpts[80];

static void put(const char *path, const void *d, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (n && fwrite(d, 1, n, f) != n) abort();
  fclose(f);
}

static void cleanup(void) {
  unlink(apoint), unlink(amani), unlink(bmani);
  rmdir(apts), rmdir(bpts), rmdir(a), rmdir(b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  static const char mani[] =
      "{\"name\": \"f\", \"params\": [\"x\"], \"points\": [{\"index\": 0, \"key\": "
      "\"0000000000000001\", \"group\": \"0000000000000002\", \"workload\": \"w\", "
      "\"params\": [\"1\"]}]}\n";
  (void)argc, (void)argv;
  snprintf(a, sizeof a, "/tmp/attnsim-fuzz-json-a-%d", (int)getpid());
  snprintf(b, sizeof b, "/tmp/attnsim-fuzz-json-b-%d", (int)getpid());
  snprintf(apts, sizeof apts, "%s/points", a);
  snprintf(bpts, sizeof bpts, "%s/points", b);
  mkdir(a, 0777), mkdir(b, 0777), mkdir(apts, 0777), mkdir(bpts, 0777);
  snprintf(amani, sizeof amani, "%s/sweep.json", a);
  snprintf(bmani, sizeof bmani, "%s/sweep.json", b);
  snprintf(apoint, sizeof apoint, "%s/points/0000000000000001.json", a);
  put(amani, mani, sizeof mani - 1);
  atexit(cleanup);
  return 0;
}

static void check_status(int rc, const err_t *e) {
  if (rc != 0 && rc != ERR_RUN && rc != ERR_BAD_INPUT) abort();
  if (rc && (rc != e->status || !e->msg[0])) abort();
}

static void check_tree(const js_doc_t *d) {
  double x;
  for (int i = 0; i < d->len; i++) {
    int n = 0;
    if (d->n[i].type != JS_ARR && d->n[i].type != JS_OBJ && d->n[i].first >= 0) abort();
    for (int c = d->n[i].first; c >= 0; c = d->n[c].next, n++) {
      if (c <= i || c >= d->len) abort(); /* children come after parents */
      if ((d->n[i].type == JS_OBJ) != (d->n[c].key != NULL)) abort();
    }
    if (n != d->n[i].count) abort();
    if (d->n[i].type == JS_STR && !d->n[i].str) abort();
  }
  (void)js_num_at(d, 0, "result.energy_pj.total", &x);
  (void)js_str_at(d, 0, "status");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  js_doc_t d;
  res_table_t t;
  err_t e;
  int rc;
  err_clear(&e);
  rc = js_parse(&d, (const char *)data, size, "fuzz.json", &e);
  check_status(rc, &e);
  if (rc == 0) {
    check_tree(&d);
    js_free(&d);
  }
  put(apoint, data, size);
  err_clear(&e);
  rc = res_load(a, &t, &e);
  check_status(rc, &e);
  if (rc == 0) res_free(&t);
  put(bmani, data, size);
  err_clear(&e);
  rc = res_load(b, &t, &e);
  check_status(rc, &e);
  if (rc == 0) res_free(&t);
  return 0;
}
