/* spatten_csv.c - SpAtten's published per-request traces (CSV), imported
 * and replayed timing only: the rows describe the workload and its
 * decisions, read and lowered by compiler/spatten_csv.c (spc_load,
 * spc_compile). Chosen by the workload file's extension, never by
 * claiming a YAML workload; no tensors, so no check. */
#include "mech.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "spatten_csv.h"

/* Parse the trace at path into s (spc_free it). */
static int csv_read(const char *path, spc_t *s, err_t *e) {
  FILE *f = fopen(path, "r");
  struct stat st;
  int rc;
  memset(s, 0, sizeof *s);
  if (!f)
    return err_at(e, path, 0, 0, "input", "cannot open: %s", strerror(errno));
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    return err_at(e, path, 0, 0, "input", "cannot open: %s", strerror(EISDIR));
  }
  rc = spc_load(s, f, path, e);
  fclose(f);
  return rc;
}

static int csv_load_file(const char *path, wl_t *w, err_t *e) {
  spc_t s;
  int rc = csv_read(path, &s, e);
  if (!rc) *w = s.wl;
  spc_free(&s);
  return rc;
}

static int csv_lower_file(const cfg_t *c, const char *path, const char *cfg_name,
                          FILE *f, err_t *e) {
  spc_t s;
  int rc = csv_read(path, &s, e);
  if (!rc) rc = spc_compile(c, &s, cfg_name, f, e);
  spc_free(&s);
  return rc;
}

const mech_t mech_spatten_csv = {
    .name = "spatten-csv",
    .doc = "docs/spatten.md",
    .owns_file = spc_is_csv,
    .file_noun = "a .csv workload",
    .load_file = csv_load_file,
    .lower_file = csv_lower_file,
};
