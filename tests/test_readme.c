/* The README runs: tests/readme.sh clones this repository (tracked files,
 * as the working tree has them) into build/tests/tmp/readme-clone, builds
 * it, and runs every command of README.md's ```sh and ```console blocks
 * there (the convention, and the long targets it skips, are at the top of
 * the script). Every run command must exit 0. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testutil.h"

Test(readme, every_command_runs_from_a_clean_clone) {
  char *log;
  int rc, run = -1, failed = -1, skipped = -1;
  const char *p;
  /* the commands run the plain binary the clone builds, so a sanitizer
   * suite would check nothing more than the plain suite does (and memcheck
   * does not trace /bin/sh's children): minutes for nothing */
  if (getenv("ATTNSIM_UNDER_VALGRIND") || getenv("ATTNSIM_SANITIZED"))
    cr_skip_test("the plain suite runs the README");
  mkdir("build/tests/tmp", 0777);
  rc = system("sh tests/readme.sh 600 >build/tests/tmp/readme.log 2>&1");
  rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  if (rc == 77) cr_skip_test("not a git checkout: nothing to clone");
  log = tu_slurp("build/tests/tmp/readme.log");
  cr_assert(log, "no build/tests/tmp/readme.log");
  p = strstr(log, "readme: ");
  cr_assert(p, "no summary line:\n%s", log);
  cr_assert_eq(sscanf(p, "readme: %d run, %d failed, %d skipped", &run,
                      &failed, &skipped), 3, "%s", log);
  cr_expect_eq(failed, 0, "%s", log);
  cr_expect_eq(rc, 0, "%s", log);
  /* the README's shell blocks hold at least the 11 commands of its
   * examples (5 runs, sweep, plot, 2 baselines, the DRAM trace and its
   * replay): fewer means the extraction lost some */
  cr_expect_geq(run, 11, "%s", log);
  cr_expect_geq(skipped, 2, "make run and make test are skipped: %s", log);
  free(log);
}
