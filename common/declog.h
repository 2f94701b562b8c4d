/* declog.h - a log of SpAtten's run-time decisions (docs/spatten.md).
 *
 * The golden model and the simulator each append one record per decision,
 * in program order (case or decode step, layer, head, query), so
 * `--check` compares the two logs entry by entry and names the first
 * difference. A kept set is recorded as its size and a hash of its
 * indices in ascending order.
 */
#ifndef ATTN_DECLOG_H
#define ATTN_DECLOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  DEC_TOKENS,  /* end of a layer: tokens kept (indices: token positions) */
  DEC_HEADS,   /* end of a layer: heads kept (indices: head numbers) */
  DEC_VALUES,  /* one query: value rows kept (indices: key positions j) */
  DEC_REFETCH, /* one query: low bits refetched (kept = 0 or 1) */
  DEC_REGIONS, /* BiFormer: regions one region routes to (query: the
                  region, indices: region numbers; docs/biformer.md) */
  DEC_GATE,    /* gated: one query's gate open (kept 1) or closed (0),
                  docs/gated.md */
  DEC_CLUSTER, /* Routing Transformer: a query's or key's centroid (query:
                  the token's id, indices: the centroid; docs/routing.md) */
  DEC_KINDS
} dec_kind_t;

typedef struct dec {
  int kind;   /* dec_kind_t */
  int unit;   /* prefill: case; decode: step */
  int layer;
  int head;   /* -1 for DEC_TOKENS and DEC_HEADS */
  int query;  /* ordinal of the query within its head this layer; -1 if none */
  int n;      /* candidates */
  int kept;   /* indices kept (DEC_REFETCH: 1 if refetched) */
  uint64_t hash; /* FNV-1a 64 of the kept indices as uint32 LE; 0 for REFETCH */
  uint64_t seq;  /* program order where the log is written out of order
                    (the simulator's units run concurrently); else 0 */
} dec_t;

typedef struct declog {
  dec_t *d;
  size_t n, cap;
  int oom; /* an append failed: the log is incomplete */
} declog_t;

/* FNV-1a 64 over n indices. */
uint64_t dec_hash(const uint32_t *idx, size_t n);
void dec_add(declog_t *l, const dec_t *d);
void dec_free(declog_t *l);
extern const char *const dec_kind_names[DEC_KINDS];

#endif
