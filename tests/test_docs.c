/* The docs cover every instruction and every statistic: the tables are the
 * source, so a new entry without documentation fails here. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa.h"
#include "stats.h"
#include "testutil.h"

Test(docs, every_instruction_in_isa_md) {
  char *doc = tu_slurp("docs/isa.md"), pat[64];
  cr_assert(doc, "cannot read docs/isa.md");
  int i;
  for (i = 0; i < isa_count; i++) {
    snprintf(pat, sizeof pat, "| %s | 0x%02x |", isa_table[i].name,
             isa_table[i].opcode);
    cr_expect(strstr(doc, pat), "docs/isa.md lacks the row \"%s\"", pat);
  }
  free(doc);
}

/* Occurrences of pat in doc. */
static int count_of(const char *doc, const char *pat) {
  int n = 0;
  const char *p;
  for (p = doc; (p = strstr(p, pat)); p += strlen(pat)) n++;
  return n;
}

Test(docs, every_stat_in_stats_md) {
  char *doc = tu_slurp("docs/stats.md"), pat[128];
  cr_assert(doc, "cannot read docs/stats.md");
  int i;
  for (i = 0; i < ST_COUNT; i++) {
    snprintf(pat, sizeof pat, "`%s`", stat_info[i].path);
    cr_expect(strstr(doc, pat), "docs/stats.md lacks %s", pat);
  }
  free(doc);
}

/* One row per counter in the counters' table (docs/stats.md's "###
 * Counters" section): a second row would say something else. */
Test(docs, every_stat_has_one_row_in_stats_md) {
  char *doc = tu_slurp("docs/stats.md"), pat[128], *sec, *end;
  cr_assert(doc, "cannot read docs/stats.md");
  int i;
  sec = strstr(doc, "\n### Counters");
  cr_assert(sec, "docs/stats.md has no \"### Counters\" section");
  if ((end = strstr(sec + 1, "\n### "))) *end = '\0';
  for (i = 0; i < ST_COUNT; i++) {
    snprintf(pat, sizeof pat, "\n| `%s` |", stat_info[i].path);
    cr_expect_eq(count_of(sec, pat), 1, "docs/stats.md's counters list %s "
                 "%d times", stat_info[i].path, count_of(sec, pat));
  }
  free(doc);
}
