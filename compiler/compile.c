/* compile.c - the compiler driver (compile.h): the shared context
 * (lower.h) from the config and the workload, then the lowering of the
 * mechanism that owns the workload (mech.h). */
#include "compile.h"

#include <string.h>

#include "lower.h"
#include "mech.h"

int comp_compile(const cfg_t *cfg, const wl_t *w, const char *cfg_name,
                 FILE *f, err_t *e) {
  const mech_t *m = mech_of(w, cfg->width);
  comp_t c;
  int rc;
  memset(&c, 0, sizeof c);
  c.w = w;
  c.em.e = e;
  if (lay_init(&c.lay, cfg, w, cfg_name, e)) return ERR_BAD_INPUT;
  c.q.cap = c.lay.qbuf_rows;
  c.k.cap = c.lay.kbuf_rows;
  c.v.cap = c.lay.vbuf_rows;
  c.o.cap = c.lay.obuf_rows;
  c.s.cap = c.lay.sbuf_entries;
  c.ib.cap = c.lay.sbuf_entries;
  c.pr.cap = ISA_PREGS;
  c.width = cfg->width;
  /* two chunks in flight per ring at least, so fetch overlaps compute */
  c.chunk = cfg->chunk_rows;
  if (c.chunk > c.k.cap / 2) c.chunk = c.k.cap / 2;
  if (c.chunk > c.v.cap / 2) c.chunk = c.v.cap / 2;
  if (c.chunk < 1) c.chunk = 1;
  if (m->hw_check && (rc = m->hw_check(cfg, cfg_name, e))) return rc;
  if (m->hw_check_wl && (rc = m->hw_check_wl(cfg, w, cfg_name, e))) return rc;
  if (map_choose(cfg, &c.lay, w, m->tiles, cfg_name, &c.map, e))
    return ERR_BAD_INPUT;
  if (trw_open(&c.em.tw, f, cfg_hash(cfg), w, e)) return e->status;
  m->lower(&c);
  if (c.em.rc) return c.em.rc;
  return trw_close(&c.em.tw, e);
}
