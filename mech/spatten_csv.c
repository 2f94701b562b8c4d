/* spatten_csv.c - SpAtten's published per-request traces (CSV), imported
 * and replayed timing only: read and lowered by compiler/spatten_csv.c
 * (spc_load, spc_compile; compiler/spatten_csv.h), not through .lower.
 * Chosen by the workload file's extension, never by claiming a YAML
 * workload. */
#include "mech.h"

const mech_t mech_spatten_csv = {
    .name = "spatten-csv",
    .doc = "docs/spatten.md",
};
