/* isa.h - instruction encoding and decoding, driven by isa.def. */
#ifndef ATTN_ISA_H
#define ATTN_ISA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

/* Hardware blocks that execute instructions, listed once: their name (in
 * reports and timelines) and kind: a DMA engine from DRAM to the buffers
 * or back (sim/xfer.c), or a pipelined compute block (sim/pipe.c). */
typedef enum { UNIT_DMA_IN, UNIT_DMA_OUT, UNIT_PIPE } unit_kind_t;
#define UNIT_LIST(U)                                                         \
  U(UNIT_FETCH_Q, "query_fetcher", UNIT_DMA_IN)                                \
  U(UNIT_FETCH_K, "key_fetcher", UNIT_DMA_IN)                                  \
  U(UNIT_FETCH_V, "value_fetcher", UNIT_DMA_IN)                                \
  U(UNIT_QK, "qk_array", UNIT_PIPE)                                         \
  U(UNIT_SMAX, "softmax", UNIT_PIPE)                                        \
  U(UNIT_AV, "av_array", UNIT_PIPE)                                         \
  U(UNIT_STORE, "store", UNIT_DMA_OUT)                                          \
  U(UNIT_TOPK, "topk_engine", UNIT_PIPE)

typedef enum {
#define U(id, name, kind) id,
  UNIT_LIST(U)
#undef U
  UNIT_COUNT,
  UNIT_NONE = UNIT_COUNT /* executed by the dispatcher itself */
} unit_t;

extern const char *const unit_names[UNIT_COUNT];
extern const unit_kind_t unit_kinds[UNIT_COUNT];

typedef enum {
#define ISA(name, op, unit, sem, a, b, c, d, e, addr, doc) OP_##name = op,
#include "isa.def"
#undef ISA
} opcode_t;

/* Flag bits of the d field (docs/isa.md). Bits mean different things to
 * different opcodes; each meaning has its own name, and sim/op/ says
 * which an opcode takes. */
enum {
  ISA_GATHER = 1, /* LDQ/LDK/LDV/STO: rows through TLIST */
  ISA_VSEL = 2,   /* LDV/AV: rows through IBUF */
  ISA_VIDX = 4,   /* AV with VSEL: value rows through IBUF too */
  ISA_REGION = 4, /* LDK/LDV: whole regions through IBUF[list..] */
  ISA_VTOO = 2,   /* LDK: the rows are value rows too, VBUF[list..] */
  ISA_SACC = 2,   /* QK: accumulate onto SBUF (affinity summed over heads) */
  ISA_ROUTE = 4,  /* QK: region affinity (counted as routing) */
  ISA_ACC = 1,    /* AV: accumulate onto OBUF[orow] */
  ISA_FULL = 1,   /* QK: keys at all fetched bits */
  ISA_CHECK = 1,  /* SMAX: write the refetch predicate */
  ISA_IMP = 2,    /* SMAX: add the probabilities to token importance */
  ISA_HIMP = 2,   /* STO: add the row's magnitudes to head importance */
  ISA_FIRST = 1,  /* OSM: the row's first tile (no running state yet) */
  ISA_PRED = 8    /* execute only if predicate register d >> 4 is set */
};
/* TINIT's flags; CARRY: decode's cascade across steps (docs/spatten.md) */
enum { TINIT_ZERO_TIMP = 1, TINIT_ZERO_HIMP = 2, TINIT_CARRY = 4 };
#define ISA_PREG(d) ((d) >> 4)
#define ISA_PREGS 16
#define ISA_HEAD_NONE 0xFFFF
enum { TOPK_TOKENS = 0, TOPK_HEADS = 1, TOPK_VALUES = 2, TOPK_REGIONS = 3,
       TOPK_CONTEXT = 4 };
/* TIMP of a token the context top-k pruned for good (TOPK_CONTEXT) */
#define TIMP_PRUNED INT64_MIN
/* LCE's tap box: taps (ty, tx) with ty0 <= ty < ty1, tx0 <= tx < tx1. */
#define ISA_TAPS(ty0, ty1, tx0, tx1) ((ty0) | (ty1) << 4 | (tx0) << 8 | (tx1) << 12)
#define ISA_TAP(e, i) (((e) >> (4 * (i))) & 15) /* i: 0 ty0, 1 ty1, 2 tx0, 3 tx1 */
/* AV's addr packs two fields: sel, IBUF's offset of the kept positions
 * (VSEL), and seg, the length of the probability segment they index. */
/* Each is 24 bits: its low 16 at bits 0-15 (sel) or 16-31 (seg), its
 * upper 8 at bits 32-39 (sel) or 40-47 (seg), so values below 65536
 * encode as before. */
#define AV_SEL(in) ((long)(((in)->addr & 0xFFFF) | ((in)->addr >> 16 & 0xFF0000)))
#define AV_SEG(in) ((long)(((in)->addr >> 16 & 0xFFFF) | ((in)->addr >> 24 & 0xFF0000)))
#define AV_ADDR(sel, seg)                                              \
  (((uint64_t)(sel) & 0xFFFF) | ((uint64_t)(sel) & 0xFF0000) << 16 |   \
   ((uint64_t)(seg) & 0xFFFF) << 16 | ((uint64_t)(seg) & 0xFF0000) << 24)
#define AV_FIELD_MAX 0xFFFFFF

/* Operand fields, in the order of the ISA() columns. */
typedef enum { F_A, F_B, F_C, F_D, F_E, F_ADDR, F_COUNT } isa_field_t;

typedef struct isa_field_info {
  const char *name; /* "a", ... */
  int word, lo, bits; /* position: word 0/1, lowest bit, width */
} isa_field_info_t;

typedef struct isa_info {
  const char *name;
  uint8_t opcode;
  unit_t unit;
  const char *operand[F_COUNT]; /* operand names, NULL when unused */
  const char *doc;
} isa_info_t;

/* A decoded instruction: fields as plain integers. a, b, c and e are
 * 32-bit signed, 0 .. 2^31 - 1: their upper bits travel in an EXT prefix
 * (isa.def). */
typedef struct insn {
  uint8_t op;
  uint8_t d;
  int32_t a, b, c, e;
  uint64_t addr;
} insn_t;

#define ISA_WIDE_BITS 31 /* a, b, c and e with an EXT prefix */

#define ISA_OPCODE_BITS 8
extern const isa_field_info_t isa_fields[F_COUNT];
extern const isa_info_t isa_table[];
extern const int isa_count;

/* Table entry for an opcode, or NULL if none. */
const isa_info_t *isa_lookup(uint8_t opcode);
const isa_info_t *isa_by_name(const char *name);
uint64_t isa_get(const insn_t *in, isa_field_t f);
void isa_put(insn_t *in, isa_field_t f, uint64_t v);

/* True when a field of in exceeds its 16 encoded bits: in needs an EXT
 * prefix, which isa_ext builds (the upper halves of a, b, c and e). */
bool isa_is_wide(const insn_t *in);
void isa_ext(const insn_t *in, insn_t *ext);
/* Merge a decoded EXT into the instruction that follows it; rejects an
 * empty EXT, and upper bits for a field the instruction does not use. */
int isa_merge_ext(const insn_t *ext, insn_t *in, err_t *e);
/* Encode the low 16 bits of a, b, c and e (isa_ext carries the rest). */
void isa_encode(const insn_t *in, uint8_t out[16]);
/* Decode 16 bytes; rejects unknown opcodes and non-zero unused fields. */
int isa_decode(const uint8_t in[16], insn_t *out, err_t *e);
/* One line of assembly, e.g. "QK qrow=0 krow=64 rows=64 soff=0". */
void isa_format(const insn_t *in, char *buf, size_t len);
/* Parse one line of assembly (no comments or blank lines). */
int isa_parse(const char *line, insn_t *out, const char *file, int lineno,
              err_t *e);

#endif
