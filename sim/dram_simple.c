/* dram_simple.c - DRAM as per-channel bandwidth plus a fixed latency.
 *
 * Addresses interleave across channels burst by burst: burst b (address /
 * burst_bytes) lives on channel b % channels. A request of n bursts keeps
 * each channel it touches busy for (its bursts) * cycles_per_burst; its
 * data starts no earlier than latency cycles after acceptance and no
 * earlier than the channel's bus is free, and it completes when the last
 * touched channel has moved its last burst. A channel accepts at most
 * queue_depth unfinished requests (back-pressure).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

typedef struct heap_item {
  uint64_t done, seq;
  mem_req_t req;
} heap_item_t;

typedef struct dsim {
  mem_t base;
  const timing_t *t;
  stats_t *st;
  double *free_at;   /* per channel: cycle its bus is next free */
  int *pending;      /* per channel: unfinished requests touching it */
  int nfull;         /* channels with pending == queue_depth */
  heap_item_t *heap; /* completions, min (done, seq) */
  int nheap, capheap;
  uint64_t seq;
} dsim_t;

/* The bursts [b0, b0+nb) of a request. */
static void span(const dsim_t *d, const mem_req_t *r, uint64_t *b0,
                 uint64_t *nb) {
  uint64_t bb = (uint64_t)d->t->burst_bytes;
  *b0 = r->addr / bb;
  *nb = (r->addr + r->bytes - 1) / bb - *b0 + 1;
}

static bool ds_can_accept(mem_t *m, const mem_req_t *r) {
  const dsim_t *d = (const dsim_t *)m;
  uint64_t b0, nb, i, C = (uint64_t)d->t->channels;
  int c;
  span(d, r, &b0, &nb);
  if (nb >= C) return d->nfull == 0; /* touches every channel */
  for (i = 0, c = (int)(b0 % C); i < nb; i++, c = c + 1 == (int)C ? 0 : c + 1)
    if (d->pending[c] >= d->t->queue_depth) return false;
  return true;
}

static void heap_push(dsim_t *d, const heap_item_t *it) {
  int i;
  if (d->nheap == d->capheap) {
    d->capheap = d->capheap ? 2 * d->capheap : 256;
    d->heap = realloc(d->heap, (size_t)d->capheap * sizeof *d->heap);
    if (!d->heap) abort();
  }
  i = d->nheap++;
  while (i > 0) {
    int p = (i - 1) / 2;
    if (d->heap[p].done < it->done ||
        (d->heap[p].done == it->done && d->heap[p].seq < it->seq))
      break;
    d->heap[i] = d->heap[p];
    i = p;
  }
  d->heap[i] = *it;
}

static void heap_pop(dsim_t *d) {
  heap_item_t last = d->heap[--d->nheap];
  int i = 0, n = d->nheap;
  for (;;) {
    int c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && (d->heap[c + 1].done < d->heap[c].done ||
                      (d->heap[c + 1].done == d->heap[c].done &&
                       d->heap[c + 1].seq < d->heap[c].seq)))
      c++;
    if (last.done < d->heap[c].done ||
        (last.done == d->heap[c].done && last.seq < d->heap[c].seq))
      break;
    d->heap[i] = d->heap[c];
    i = c;
  }
  if (n) d->heap[i] = last;
}

static void ds_push(mem_t *m, mem_req_t *r, uint64_t now) {
  dsim_t *d = (dsim_t *)m;
  uint64_t b0, nb, i, C = (uint64_t)d->t->channels;
  uint64_t full, rem;
  double first = (double)(now + d->t->dram_latency), done = 0;
  heap_item_t it;
  span(d, r, &b0, &nb);
  full = nb / C;
  rem = nb % C;
  int c = (int)(b0 % C);
  for (i = 0; i < nb && i < C; i++, c = c + 1 == (int)C ? 0 : c + 1) {
    double k = (double)(full + (i < rem)), s = d->free_at[c];
    if (s < first) s = first;
    d->free_at[c] = s + k * d->t->cycles_per_burst;
    if (d->free_at[c] > done) done = d->free_at[c];
    d->nfull += ++d->pending[c] == d->t->queue_depth;
  }
  r->issued = now;
  r->done = (uint64_t)ceil(done);
  d->st->c[r->write ? ST_DRAM_WRITE_BYTES : ST_DRAM_READ_BYTES] += r->bytes;
  d->st->c[r->write ? ST_DRAM_WRITE_REQUESTS : ST_DRAM_READ_REQUESTS]++;
  d->st->c[ST_DRAM_TRANSFERRED_BYTES] += nb * (uint64_t)d->t->burst_bytes;
  it.done = r->done;
  it.seq = d->seq++;
  it.req = *r;
  heap_push(d, &it);
}

static bool ds_pop_done(mem_t *m, uint64_t now, mem_req_t *out) {
  dsim_t *d = (dsim_t *)m;
  uint64_t b0, nb, i, C = (uint64_t)d->t->channels;
  int c;
  if (!d->nheap || d->heap[0].done > now) return false;
  *out = d->heap[0].req;
  heap_pop(d);
  span(d, out, &b0, &nb);
  for (i = 0, c = (int)(b0 % C); i < nb && i < C;
       i++, c = c + 1 == (int)C ? 0 : c + 1)
    d->nfull -= d->pending[c]-- == d->t->queue_depth;
  if (!out->write) d->st->c[ST_DRAM_READ_LATENCY] += out->done - out->issued;
  return true;
}

static uint64_t ds_next_event(mem_t *m, uint64_t limit) {
  const dsim_t *d = (const dsim_t *)m;
  (void)limit; /* nothing to run ahead: completions are known at push */
  return d->nheap ? d->heap[0].done : UINT64_MAX;
}

static void ds_finish(mem_t *m, uint64_t now) { (void)m, (void)now; }

static void ds_destroy(mem_t *m) {
  dsim_t *d = (dsim_t *)m;
  if (!d) return;
  free(d->free_at);
  free(d->pending);
  free(d->heap);
  free(d);
}

static const mem_ops_t ds_ops = {ds_can_accept, ds_push,   ds_pop_done,
                                 ds_next_event, ds_finish, ds_destroy};

mem_t *dram_simple_new(const timing_t *t, stats_t *st) {
  dsim_t *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->base.ops = &ds_ops;
  d->t = t;
  d->st = st;
  d->free_at = calloc((size_t)t->channels, sizeof *d->free_at);
  d->pending = calloc((size_t)t->channels, sizeof *d->pending);
  if (!d->free_at || !d->pending) {
    ds_destroy(&d->base);
    return NULL;
  }
  return &d->base;
}
