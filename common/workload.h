/* workload.h - an attention workload (workloads/NAME.yaml).
 *
 * A workload is a sequence of cases run back to back on the accelerator.
 * Each case runs every layer, and every head of a layer, of the model:
 *   prefill: case c has tokens[c] tokens; every token is a query that
 *            attends to all tokens of its case (or to tokens <= itself when
 *            causal).
 *   decode:  one case; a prompt of P tokens is already in the K/V cache;
 *            generated token t (0..T-1) is a query at position P+t that
 *            attends to positions 0..P+t (the cache grows by one per step).
 *            decode.batch sequences, each its own case, may have prompts
 *            of their own lengths (docs/serve.md).
 *   serve:   as decode, but each prompt first runs as a causal prefill
 *            that writes the K/V cache (docs/serve.md).
 * Tensors come from a seeded synthetic generator or from .npy files of
 * shape [layers, heads, tokens, head_dim] (float32 or float16).
 */
#ifndef ATTN_WORKLOAD_H
#define ATTN_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define WL_MAX_CASES 16
/* Sequences a decode or serve batch may hold (decode.batch,
 * docs/serve.md); each is a case of the layout. */
#define WL_MAX_SEQS 256
/* Elements of one tensor (K, summed over cases, layers, heads, tokens and
 * head_dim) a workload may have: keeps the DRAM image (Q, K, KL, V and O
 * regions of 16-bit elements at most) far inside the ISA's 48-bit
 * addresses: 2^36 elements = 128 GiB per region. Judged on the final workload (after --wset and
 * --layers, wl_check_size), before anything is allocated. */
#define WL_MAX_ELEMS ((int64_t)1 << 36)
/* With data (not --timing-only) the simulator makes K/V rows when fetched
 * and holds them within a budget (sim/memimg.c), but keeps what a run
 * writes and a quantized cache's blocks (wl_data_elems): at most 2^30
 * elements of one tensor (2 GiB of 16-bit elements), checked when the run
 * starts. */
#define WL_MAX_DATA_ELEMS ((int64_t)1 << 30)
/* Tokens of one sequence (prefill.tokens, decode prompt + generate):
 * token indices are 32-bit throughout (wide ISA fields through EXT,
 * docs/isa.md). */
#define WL_MAX_TOKENS 131072
/* Heads over all cases and layers (each has per-head state in the
 * simulator and the trace), and layers x heads x head_dim (the synthetic
 * generator's per-head directions). */
#define WL_MAX_HEADS ((int64_t)1 << 20)
#define WL_MAX_DIRS ((int64_t)1 << 24)
#define WL_PATH_MAX 512
/* Segments a blockrank mask may have (blockrank.segments). */
#define WL_BR_MAX_SEGS 64

/* serve: a causal prefill of each prompt that writes the K/V cache, then
 * decode (docs/serve.md). */
typedef enum { WL_PREFILL = 0, WL_DECODE = 1, WL_SERVE = 2 } wl_phase_t;

/* The SpAtten schedule (docs/spatten.md): per-layer values, one entry for
 * every layer or exactly `layers` entries. common/schedule.h turns it into
 * integers. */
enum {
  WL_S_TOKEN_KEEP, WL_S_HEAD_KEEP, WL_S_VALUE_KEEP, WL_S_KEY_MSB,
  WL_S_KEY_LSB, WL_S_VALUE_BITS, WL_S_THRESHOLD, WL_S_COUNT
};
#define WL_SCHED_MAX 64 /* most per-layer entries a schedule list holds */
typedef enum { WL_SYNTHETIC = 0, WL_NPY = 1 } wl_source_t;
/* transformer: every query attends to its keys; biformer: BiFormer's
 * bi-level routing attention, one case per stage (common/biformer.h); the
 * others are the mechanisms of docs/<kind>.md, each with a dense
 * equivalent on the same shape (--dense, --baseline). */
typedef enum {
  WL_TRANSFORMER = 0, WL_BIFORMER, WL_LANDMARK, WL_LIGHTNING, WL_MOH,
  WL_GATED, WL_ROUTING, WL_BLOCKRANK
} wl_kind_t;

typedef struct wl {
  char name[64];
  int layers;
  int heads;
  int head_dim;
  int kv_heads;               /* K/V heads per layer (GQA/MQA); 0 = heads */
  int v_from_k;               /* latent attention's absorbed decode: value
                               * rows are the first v_from_k elements of the
                               * key rows (one fetch serves both); 0 = off */
  wl_kind_t kind;
  wl_phase_t phase;
  /* prefill */
  int ncases;                 /* number of prefill sequences (1 for decode) */
  int tokens[WL_MAX_CASES];   /* prefill: tokens per sequence */
  bool causal;                /* prefill: mask keys after the query */
  /* sliding-window attention (causal prefill and decode): the query at
   * position p attends to keys max(0, p - window + 1) .. p and to the
   * first `sinks` tokens; window 0: no window (sinks must be 0) */
  int window;
  int sinks;
  /* KIVI K/V cache quantization (docs/kivi.md, common/kvquant.h): bits
   * per code (0 off, 2, 4 or 8), elements per group, latest tokens kept at
   * 16 bits */
  int kvq_bits;
  int kvq_group;
  int kvq_residual;
  /* decode and serve (docs/serve.md): decode.batch sequences, sequence s
   * with prompt[s] tokens (one entry: every sequence's; prompt aliases
   * entry 0) */
  int batch;
  union {
    int prompt;               /* P: tokens already in the K/V cache */
    int prompts[WL_MAX_SEQS];
  };
  int nprompts;
  int generate;               /* T: tokens generated */
  /* tensors */
  wl_source_t source;
  uint64_t seed;              /* synthetic generator seed */
  double std;                 /* synthetic: std-dev of the random part */
  double salience;            /* synthetic: strength of salient tokens */
  char q_path[WL_PATH_MAX];   /* npy: paths as resolved (relative to the */
  char k_path[WL_PATH_MAX];   /* workload file's folder when not absolute) */
  char v_path[WL_PATH_MAX];
  /* schedule: sched[key][layer], sched_n[key] entries (1 = every layer) */
  int sched_n[WL_S_COUNT];
  double sched[WL_S_COUNT][WL_SCHED_MAX];
  /* biformer (docs/biformer.md): per stage (case) lists, n* entries each */
  int bf_regions;                   /* S: regions per side */
  int bf_height[WL_MAX_CASES], bf_nheight; /* token grid rows */
  int bf_width[WL_MAX_CASES], bf_nwidth;   /* token grid columns */
  int bf_topk[WL_MAX_CASES], bf_ntopk;     /* regions routed to */
  int bf_channels[WL_MAX_CASES], bf_nchannels; /* C = heads x head_dim */
  int bf_blocks[WL_MAX_CASES], bf_nblocks; /* blocks (layers) of the stage */
  int bf_lce_kernel;                /* LCE kernel side, odd; 0 = none */
  /* landmark (docs/landmark.md, common/lmshape.h) */
  int lm_block;                     /* B: tokens per block */
  int lm_topk;                      /* blocks each query selects */
  int lm_window;                    /* local window, tokens */
  /* lightning (docs/lightning.md): block of tokens, decay per head (one
   * entry: every head's), a real in (0, 1] used as round(decay 2^16) */
  int lt_block;
  double lt_decay[WL_SCHED_MAX];
  int lt_ndecay;
  /* moh (docs/moh.md): per token the first moh_shared heads always run,
   * plus the moh_topk of the other heads its router scores rank highest */
  int moh_topk;
  int moh_shared;
  char moh_router[WL_PATH_MAX];     /* npy: the router scores */
  /* gated (docs/gated.md): a sigmoid gate on each head's output */
  int gt_mode;                      /* 0 elementwise, 1 headwise */
  double gt_threshold;              /* rows whose largest gate is below it
                                       are skipped (0: none) */
  double gt_bias;                   /* synthetic: the gate logits' mean */
  char gt_path[WL_PATH_MAX];        /* npy: the gate logits G */
  /* routing (docs/routing.md): centroids per head */
  int rt_clusters;
  char rt_centroids[WL_PATH_MAX];   /* npy: the centroids */
  /* blockrank (docs/blockrank.md): segment lengths (summing to each
   * case's tokens), the segments every query sees (-1 alone: none), the
   * last segment attends to every key, K/V block size in tokens */
  int br_seg[WL_BR_MAX_SEGS], br_nseg;
  int br_global[WL_BR_MAX_SEGS], br_nglobal;
  bool br_query_last;
  int br_block;
} wl_t;

void wl_defaults(wl_t *w);
/* Load and validate a workload file. Returns 0 or ERR_BAD_INPUT. */
int wl_load(const char *path, wl_t *w, err_t *e);
/* Apply "key=value" (dotted key as in YAML). */
int wl_set(wl_t *w, const char *assignment, err_t *e);
/* Cross-field checks (run by wl_load and after wl_set). */
int wl_validate(const wl_t *w, const char *file, err_t *e);
/* Loading for the command line, where --layers and --wset may shrink a
 * workload: wl_load_marked checks everything but the size limits and
 * keeps where each key was set (marks: WL_NMARKS entries); after the
 * overrides (wl_set_marked marks the keys they set), wl_validate_unsized
 * checks the rest and wl_check_size the limits, located at the file's
 * key, or at "<--wset>" when an override set it. */
#define WL_NMARKS 64
struct yl_mark;
int wl_load_marked(const char *path, wl_t *w, struct yl_mark *marks,
                   err_t *e);
int wl_set_marked(wl_t *w, const char *assignment, struct yl_mark *marks,
                  err_t *e);
int wl_validate_unsized(const wl_t *w, const char *file, err_t *e);
int wl_check_size(const wl_t *w, const char *file,
                  const struct yl_mark *marks, err_t *e);
/* Shrink to the first n layers (1 <= n <= w->layers, the caller checks):
 * every per-layer list (the schedule's lists of more than one entry)
 * keeps its first n entries, each BiFormer stage at most n blocks, and
 * model.layers becomes n. A .npy source still needs files of n layers. */
void wl_keep_layers(wl_t *w, int n);
/* --dense: reset the schedule to its defaults and a mechanism of
 * docs/<kind>.md to transformer: dense attention of the same shape. */
void wl_clear_schedule(wl_t *w);
void wl_dump(const wl_t *w, FILE *f);
/* Serialise every key as "key=value\n" lines (the trace header carries a
 * workload this way); returns bytes needed (like snprintf). */
int wl_to_text(const wl_t *w, char *buf, size_t len);
/* Rebuild a workload from wl_to_text's output (defaults, then wl_set per
 * line, then wl_validate); origin names the source in errors. */
int wl_from_text(wl_t *w, const char *text, const char *origin, err_t *e);
/* The same where line i (from 1) of text came from line lines[i-1] of
 * origin, its assignment starting at column col0 (text traces). */
int wl_from_text_at(wl_t *w, const char *text, const char *origin,
                    const int *lines, int col0, err_t *e);
void wl_doc(FILE *f);
/* The schema table itself (yload.h), as cfg_schema_get. */
struct yl_schema;
const struct yl_schema *wl_schema_get(void);

/* Shape helpers shared by the compiler, the simulator and the golden model. */
/* Cases of the layout: prefill ncases; decode and serve decode.batch (one
 * per sequence). */
int wl_cases(const wl_t *w);
/* The workload generates tokens (phase decode or serve). */
int wl_generates(const wl_t *w);
/* "prefill", "decode" or "serve". */
const char *wl_phase_name(wl_phase_t p);
/* Prompt tokens of sequence c (decode and serve). */
int wl_prompt(const wl_t *w, int c);
/* K/V cache rows of case c present before the run: prefill all, decode
 * the prompt, serve none (its prefill writes them). */
int wl_cache_rows(const wl_t *w, int c);
/* Tokens in case c's K/V tensors (prefill: tokens[c]; decode: P+T). */
int wl_ctx_tokens(const wl_t *w, int c);
/* Queries of case c (prefill: tokens[c]; decode: T; serve: P + T). */
int wl_queries(const wl_t *w, int c);
/* Position (row in Q/K/V) of query q of case c (prefill and serve: q;
 * decode: P+q). */
int wl_query_pos(const wl_t *w, int c, int q);
/* Keys query q of case c may attend to: rows 0 .. wl_keys(...)-1 (the
 * causal bound; wl_span narrows it to a window). */
int wl_keys(const wl_t *w, int c, int q);
/* The keys query q of case c attends to: rows [0, *nsink) (the sinks
 * before the window) and [*lo, wl_keys) (the window); returns their count
 * *nsink + wl_keys - *lo. Without a window: *nsink = 0, *lo = 0. */
int wl_span(const wl_t *w, int c, int q, int *nsink, int *lo);
/* The most keys any query of case c attends to (its last query's span). */
int wl_max_span(const wl_t *w, int c);
/* K/V heads per layer (model.kv_heads, or heads when 0), and the query
 * heads sharing each: query head h reads K/V head h / wl_group(w). */
/* Elements of the workload's largest tensor (K and V per K/V head, Q and O
 * per query head). */
int64_t wl_tensor_elems(const wl_t *w);
/* Elements of one tensor that a run with data keeps until it ends,
 * whatever the K/V budget: its output rows (queries x heads x head_dim
 * per layer), the K (as many V) cache rows it writes (appends: the rows
 * past wl_cache_rows, mech_t.appends_cache), and with a quantized cache
 * (kv_quant.bits) the whole of K, whose quantized blocks are kept. */
int64_t wl_data_elems(const wl_t *w, bool appends);
int wl_kv_heads(const wl_t *w);
int wl_group(const wl_t *w);
/* The first key set that only dense attention lowers (model.kv_heads
 * below heads, attention.window, model.v_from_k), its value in *val and
 * the value it needs in *want; NULL when none is set. */
const char *wl_dense_only_key(const wl_t *w, int *val, const char **want);
/* The same without model.kv_heads (attention.window, model.v_from_k): what
 * SpAtten's schedule refuses, grouped-query attention being lowered there. */
const char *wl_full_mha_key(const wl_t *w, int *val, const char **want);
/* Elements of a value (and output) row: model.v_from_k, or head_dim. */
int wl_v_dim(const wl_t *w);

#endif
