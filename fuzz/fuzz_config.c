/* fuzz_config.c - libFuzzer target for the hardware config loader.
 *
 * The input is a YAML file: written to a per-process scratch file and
 * loaded with cfg_load. Its lines holding a '=' are also applied with
 * cfg_set to a default config (the --set path). A config that loads is dumped
 * (cfg_dump), reloaded, and must hash the same: the effective config
 * written next to results has to reproduce the run.
 * Aborts (a finding) when a call returns a status other than 0, 1 or 2,
 * or accepts a config that breaks the schema's ranges or cross-field
 * rules.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64], dump_path[64];

static void cleanup(void) {
  unlink(path);
  unlink(dump_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  snprintf(path, sizeof path, "/tmp/attnsim-fuzz-%d.yaml", (int)getpid());
  snprintf(dump_path, sizeof dump_path, "/tmp/attnsim-fuzz-%d-dump.yaml",
           (int)getpid());
  atexit(cleanup);
  return 0;
}

static void check_status(int rc, const err_t *e) {
  if (rc != 0 && rc != ERR_RUN && rc != ERR_BAD_INPUT) abort();
  if (rc && (rc != e->status || !e->msg[0])) abort(); /* says what */
}

/* Cheap invariants of an accepted config (see the schema in config.c). */
static void check_cfg(const cfg_t *c) {
  if (c->width < 2 || c->width > 16) abort();
  if (c->frac_bits < 0 || c->frac_bits >= c->width) abort();
  if (c->prob_bits < 1 || c->prob_bits > 16) abort();
  if (c->qk_multipliers < 1 || c->av_multipliers < 1) abort();
  if (c->softmax_units < 1 || c->window < 2) abort();
  if (c->pruning && c->topk_parallelism < 1) abort();
  if (!(c->clock_ghz >= 0.01 && c->clock_ghz <= 100)) abort();
  if (c->key_buffer_bytes < 64 || c->value_buffer_bytes < 64) abort();
  if (c->dram_channels < 1 || c->dram_burst_bytes < 1) abort();
  if (!memchr(c->name, '\0', sizeof c->name)) abort();
  if (!memchr(c->dram_model, '\0', sizeof c->dram_model)) abort();
}

static int write_file(const char *p, const uint8_t *data, size_t size) {
  FILE *f = fopen(p, "wb");
  if (!f) return -1;
  if (fwrite(data, 1, size, f) != size) {
    fclose(f);
    return -1;
  }
  return fclose(f);
}

/* Dump, reload, compare hashes. */
static void roundtrip(const cfg_t *c) {
  cfg_t back;
  err_t e;
  FILE *f = fopen(dump_path, "w");
  int rc;
  if (!f) return;
  cfg_dump(c, f);
  if (fclose(f)) return;
  err_clear(&e);
  rc = cfg_load(dump_path, &back, &e);
  if (rc) {
    fprintf(stderr, "dumped config does not reload: %s\n", e.msg);
    abort();
  }
  if (cfg_hash(&back) != cfg_hash(c)) {
    fprintf(stderr, "dumped config reloads with another hash\n");
    abort();
  }
}

/* Each line of the input that holds a '=' as a --set assignment (the
 * others would only exercise the "did you mean" search, slowly). */
static void sets(const uint8_t *data, size_t size) {
  char line[512];
  cfg_t c;
  err_t e;
  size_t i = 0, n;
  int rc, lines = 0;
  cfg_defaults(&c);
  while (i < size && lines++ < 32) {
    for (n = 0; i + n < size && data[i + n] != '\n'; n++) {}
    if (n < sizeof line && !memchr(data + i, '\0', n) &&
        memchr(data + i, '=', n)) {
      memcpy(line, data + i, n);
      line[n] = '\0';
      err_clear(&e);
      rc = cfg_set(&c, line, &e);
      check_status(rc, &e);
      check_cfg(&c);
    }
    i += n + 1;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cfg_t c;
  err_t e;
  int rc;
  if (write_file(path, data, size)) return 0;
  err_clear(&e);
  rc = cfg_load(path, &c, &e);
  check_status(rc, &e);
  if (rc == 0) {
    check_cfg(&c);
    roundtrip(&c);
  }
  sets(data, size);
  return 0;
}
