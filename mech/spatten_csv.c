/* spatten_csv.c - SpAtten's published per-request traces (CSV), imported
 * and replayed timing only (compiler/spatten_csv.h). Chosen by the
 * workload file's extension, never by claiming a YAML workload. */
#include "mech.h"

const mech_t mech_spatten_csv = {
    .name = "spatten-csv",
    .doc = "docs/spatten.md",
};
