/* testutil.h - small helpers shared by the Criterion tests.
 * Tests write scratch files under build/tests/tmp (never tracked files). */
#ifndef ATTN_TESTUTIL_H
#define ATTN_TESTUTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"

/* Write text to a fresh scratch file named after tag; returns its path
 * (static storage per call site is not needed: caller passes a buffer). */
static inline const char *tu_write(char *path, size_t len, const char *tag,
                                   const char *text) {
  FILE *f;
  mkdir("build", 0777);
  mkdir("build/tests", 0777);
  mkdir("build/tests/tmp", 0777);
  snprintf(path, len, "build/tests/tmp/%s-%d", tag, (int)getpid());
  f = fopen(path, "w");
  if (!f) return NULL;
  fputs(text, f);
  fclose(f);
  return path;
}

/* The whole file as a NUL-terminated string (caller frees); NULL when it
 * cannot be read. */
static inline char *tu_slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  char *b = NULL;
  long n;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
    rewind(f);
    b = calloc(1, (size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
      free(b);
      b = NULL;
    }
  }
  fclose(f);
  return b;
}

/* Assert a bad-input error whose message starts "file:line:col: key: "
 * (or "file: key: " when line is 0). */
static inline void tu_expect_at(int rc, const err_t *e, const char *file,
                                int line, int col, const char *key) {
  char want[700];
  if (line)
    snprintf(want, sizeof want, "%s:%d:%d: %s: ", file, line, col, key);
  else
    snprintf(want, sizeof want, "%s: %s: ", file, key);
  cr_assert_eq(rc, 2, "status %d: %s", rc, e->msg);
  cr_assert_eq(e->status, 2);
  cr_assert(strncmp(e->msg, want, strlen(want)) == 0,
            "message \"%s\" does not start with \"%s\"", e->msg, want);
}

/* Run a shell command with "attnsim" bound to the binary under test
 * ($ATTNSIM, set by tests/run.sh to the build being tested); its exit
 * status, or -1 when it did not exit. */
static inline int tu_sh(const char *cmd) {
  char full[4096];
  const char *bin = getenv("ATTNSIM");
  int rc;
  snprintf(full, sizeof full, "attnsim() { \"%s\" \"$@\"; }; %s",
           bin ? bin : "build/attnsim", cmd);
  rc = system(full);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

#endif
