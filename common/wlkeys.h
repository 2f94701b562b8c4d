/* wlkeys.h - how a workload key is declared: one yload row per wl_t field
 * (common/yload.h). The workload schema is the base keys of workload.c
 * followed by each attention mechanism's keys (mech/, in table order). */
#ifndef ATTN_WLKEYS_H
#define ATTN_WLKEYS_H

#include <stddef.h>

#include "workload.h"
#include "yload.h"

#define WK_F(field) offsetof(wl_t, field)
#define WK_SZ(field) sizeof(((wl_t *)0)->field)
#define WK_INT(k, f, def, lo, hi, unit, doc) \
  {k, YL_INT, WK_F(f), 0, 0, def, lo, hi, 0, NULL, unit, doc}
#define WK_DBL(k, f, def, lo, hi, flags, doc) \
  {k, YL_DOUBLE, WK_F(f), 0, 0, def, lo, hi, flags, NULL, "", doc}
#define WK_ENUM(k, f, def, choices, doc) \
  {k, YL_ENUM, WK_F(f), 0, 0, def, 0, 0, 0, choices, "", doc}
#define WK_DBL_LIST(k, f, n, def, lo, hi, flags, doc)                   \
  {k, YL_DBL_LIST, WK_F(f), WL_SCHED_MAX, WK_F(n), def, lo, hi, flags,  \
   NULL, "", doc}
#define WK_INT_LIST(k, f, n, def, lo, hi, unit, doc) \
  {k, YL_INT_LIST, WK_F(f), WL_MAX_CASES, WK_F(n), def, lo, hi, 0, NULL, unit, doc}
#define WK_PATH(k, f, doc) \
  {k, YL_PATH, WK_F(f), WK_SZ(f), 0, "", 0, 0, 0, NULL, "", doc}

#endif
