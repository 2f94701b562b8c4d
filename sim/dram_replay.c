/* dram_replay.c - replay a memory trace on the bank-level model. */
#include "dram_replay.h"

#include <inttypes.h>
#include <string.h>

typedef struct drp {
  const cfg_t *c;
  mtr_t *tr;
  mem_t *m;
  drp_result_t *out;
  mem_req_t next;   /* the request being offered */
  bool have, eof;   /* next is valid; the trace is exhausted */
  uint64_t inflight, lat_sum;
} drp_t;

/* Collect every request completed by cycle now. */
static void drp_collect(drp_t *d, uint64_t now) {
  mem_req_t r;
  while (d->m->ops->pop_done(d->m, now, &r)) {
    d->inflight--;
    if (r.done > d->out->cycles) d->out->cycles = r.done;
    if (!r.write) d->lat_sum += r.done - r.issued;
  }
}

/* Offer requests in order until k are accepted, one is refused or the
 * trace ends. Returns how many were accepted, or -1 on a trace error. */
static int drp_offer(drp_t *d, uint64_t now, int k, err_t *e) {
  uint64_t burst = (uint64_t)d->c->dram_burst_bytes, addr;
  bool write;
  int n = 0, rc;
  while (n < k) {
    if (!d->have && !d->eof) {
      if ((rc = mtr_next(d->tr, &addr, &write, e)) < 0 || rc > 1) return -1;
      if (!rc) {
        d->eof = true;
        break;
      }
      d->next.addr = addr & ~(burst - 1);
      d->next.bytes = (uint32_t)burst;
      d->next.write = write;
      d->next.tag = 0;
      d->have = true;
    }
    if (!d->have || !d->m->ops->can_accept(d->m, &d->next)) break;
    d->m->ops->push(d->m, &d->next, now);
    d->have = false;
    d->inflight++;
    d->out->requests++;
    d->out->reads += !d->next.write;
    d->out->writes += d->next.write;
    n++;
  }
  return n;
}

/* The derived figures, from the counters. */
static void drp_finish(drp_t *d) {
  drp_result_t *o = d->out;
  double bytes = (double)o->requests * d->c->dram_burst_bytes;
  double ns = (double)o->cycles / dram_clock_ghz(d->c);
  o->bandwidth_gbps = ns > 0 ? bytes / ns : 0;
  o->mean_read_latency_cycles = o->reads ? (double)d->lat_sum / (double)o->reads : 0;
  o->row_hit_rate =
      o->requests ? (double)o->st.c[ST_DRAM_ROW_HITS] / (double)o->requests : 0;
  dram_energy(d->c, o->st.c, &o->energy);
  o->pj_per_bit = bytes > 0 ? o->energy.total / (bytes * 8) : 0;
}

/* Invariant: at the top of the loop every cycle before now is simulated
 * and every request completed before now has been collected. */
int drp_run(const cfg_t *c, mtr_t *tr, int k, drp_result_t *out, err_t *e) {
  drp_t d;
  uint64_t now = 0, next;
  int n;
  memset(&d, 0, sizeof d);
  memset(out, 0, sizeof *out);
  d.c = c, d.tr = tr, d.out = out;
  if (!cfg_dram_is_hbm2(c))
    return err_set(e, ERR_BAD_INPUT, "dram.model: the replay needs the "
                   "bank-level model (got %s, expected hbm2)", c->dram_model);
  if (!(d.m = dram_hbm2_new(c, dram_clock_ghz(c), &out->st)))
    return err_set(e, ERR_RUN, "out of memory building the DRAM model");
  for (;;) {
    drp_collect(&d, now);
    if ((n = drp_offer(&d, now, k, e)) < 0) break;
    if (d.eof && !d.have && !d.inflight) break;
    next = n == k ? now + 1 : d.m->ops->next_event(d.m, UINT64_MAX);
    if (next == UINT64_MAX || next <= now) {
      n = -1;
      err_set(e, ERR_RUN, "internal error: DRAM replay stalled at cycle %" PRIu64
              " with %" PRIu64 " requests in flight", now, d.inflight);
      break;
    }
    now = next;
  }
  if (n >= 0) {
    d.m->ops->finish(d.m, out->cycles);
    drp_finish(&d);
  }
  d.m->ops->destroy(d.m);
  return n < 0 ? e->status : 0;
}
