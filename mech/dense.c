/* dense.c - dense multi-head attention (compiler/lower_dense.c): every
 * query attends to every key of its head; no markers, no decisions. */
#include "mech.h"

#include "lower.h"

const mech_t mech_dense = {
    .name = "dense",
    .doc = "README.md",
    .lower = lower_dense,
};
