/* dense.c - dense multi-head attention (compiler/lower_dense.c): every
 * query attends to every key of its head; no markers, no decisions.
 * --check: bit-exact with the fixed-point golden model and within the
 * float bound of sim/check.h (chk_dense). */
#include "mech.h"

#include "check.h"
#include "lower.h"

const mech_t mech_dense = {
    .name = "dense",
    .doc = "README.md",
    .lower = lower_dense,
    .check = chk_dense,
    .appends_cache = true,
};
