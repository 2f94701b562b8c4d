#include "stats.h"

#include <stdlib.h>
#include <string.h>

const stat_info_t stat_info[ST_COUNT] = {
#define STAT(id, path, unit, doc) {path, unit, doc},
#include "stats.def"
#undef STAT
};

const char *const ustate_names[US_COUNT] = {
#define S(id, name) name,
    USTATE_LIST(S)
#undef S
};

void st_init(stats_t *s) { memset(s, 0, sizeof *s); }

void st_free(stats_t *s) {
  free(s->layers);
  s->layers = NULL;
  s->nlayers = s->cap_layers = 0;
}

int st_add_layer(stats_t *s, int cs, int layer) {
  int i;
  if (s->nlayers == s->cap_layers) {
    int cap = s->cap_layers ? 2 * s->cap_layers : 64;
    st_layer_t *p = realloc(s->layers, (size_t)cap * sizeof *p);
    if (!p) return -1;
    s->layers = p;
    s->cap_layers = cap;
  }
  s->layers[s->nlayers].cs = cs;
  s->layers[s->nlayers].layer = layer;
  s->layers[s->nlayers].step = 0;
  s->layers[s->nlayers].tokens = 0;
  s->layers[s->nlayers].heads = 0;
  memset(s->layers[s->nlayers].c, 0, sizeof s->layers[s->nlayers].c);
  for (i = s->nlayers - 1; i >= 0; i--) /* the latest record of this layer */
    if (s->layers[i].cs == cs && s->layers[i].layer == layer) {
      s->layers[s->nlayers].step = s->layers[i].step + 1;
      break;
    }
  s->layers[s->nlayers].end_cycle = 0;
  return s->nlayers++;
}
