/* testutil.h - small helpers shared by the Criterion tests.
 * Tests write scratch files under build/tests/tmp (never tracked files). */
#ifndef ATTN_TESTUTIL_H
#define ATTN_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

#endif
