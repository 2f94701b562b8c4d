/* mech.c - the mechanism table (mech.h): tried in order, dense last. */
#include "mech.h"

#include <string.h>

extern const mech_t mech_biformer, mech_spatten, mech_spatten_csv, mech_dense;
extern const mech_t mech_landmark;
extern const mech_t mech_lightning;
extern const mech_t mech_moh;
extern const mech_t mech_gated;
extern const mech_t mech_routing;
extern const mech_t mech_blockrank;

/* The order also lays out the workload schema (the mechanisms' keys). */
const mech_t *const mech_table[] = {&mech_spatten, &mech_biformer,
                                    &mech_spatten_csv,
                                    &mech_landmark,
                                    &mech_lightning,
                                    &mech_moh,
                                    &mech_gated,
                                    &mech_routing,
                                    &mech_blockrank,
                                    &mech_dense};
const int mech_count = (int)(sizeof mech_table / sizeof mech_table[0]);

const mech_t *mech_of(const wl_t *w, int width) {
  for (int i = 0; i < mech_count - 1; i++)
    if (mech_table[i]->claims && mech_table[i]->claims(w, width))
      return mech_table[i];
  return mech_table[mech_count - 1];
}

const mech_t *mech_for_file(const char *path) {
  for (int i = 0; path && i < mech_count; i++)
    if (mech_table[i]->owns_file && mech_table[i]->owns_file(path))
      return mech_table[i];
  return NULL;
}

const mech_t *mech_by_name(const char *name) {
  for (int i = 0; i < mech_count; i++)
    if (strcmp(mech_table[i]->name, name) == 0) return mech_table[i];
  return NULL;
}
