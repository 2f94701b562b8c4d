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
