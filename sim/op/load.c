/* load.c - the fetches: LDQ (query rows into QBUF), LDK (key rows into
 * KBUF: the MSB plane, or a refetch of the LSB plane into the same rows),
 * LDV (value rows into VBUF) and POOL (the rounded mean of a region's rows
 * into one QBUF or KBUF row). Rows are contiguous, gathered through TLIST
 * (GATHER), picked through IBUF (LDV's VSEL) or whole regions through IBUF
 * (REGION, the mechanism's region size). The fetcher (xfer.c) moves the
 * bytes; these say which rows, and fill the buffers when the data is in. */
#include <stdlib.h>

#include "bfshape.h"
#include "op.h"
#include "xfer.h"

/* A REGION fetch: the block (hence the case and its region size R) from
 * addr, then rows / R entries of IBUF from c. */
static int region_uses(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  int R;
  if (!x->mech->region_rows)
    return op_bad(x, isa_lookup(in->op)->name, "REGION outside a biformer "
                  "workload (got flags %ld, expected %ld)", in->d, ISA_GATHER);
  R = x->mech->region_rows(x->w, sl->loc.cs);
  if (in->b % R)
    return op_bad(x, isa_lookup(in->op)->name, "REGION rows not whole regions "
                  "(got %ld rows, expected a multiple of %ld)", in->b, R);
  sl->region_rows = R;
  return op_use(x, sl, BUF_I, 0, in->c, in->b / R);
}

/* A key or value fetch from the quantized cache (KQ, VQ: the address's
 * region says so): contiguous rows only; a key fetch also moves the
 * metadata of every key group its rows touch, once (docs/kivi.md). */
static int quant_decode(opctx_t *x, slot_t *sl, lay_tensor_t qt) {
  const lay_t *l = x->lay;
  int g = x->w->kvq_group, r0 = sl->loc.row, r1 = r0 + sl->in.b - 1;
  if (sl->gather)
    return op_bad(x, isa_lookup(sl->in.op)->name, "GATHER or REGION from the "
                  "quantized cache (got flags %ld, expected %ld)", sl->in.d, 0);
  sl->deq_bits = x->w->kvq_bits;
  if (qt == LAY_KQ) {
    sl->meta_addr = lay_addr(l, LAY_KM, sl->loc.cs, sl->loc.layer,
                             sl->loc.head, r0 / g);
    sl->meta_end = sl->meta_addr +
                   (uint64_t)(r1 / g - r0 / g + 1) * (uint64_t)l->stride[LAY_KM];
  }
  return 0;
}

/* addr lies in region t. */
static bool in_region(const opctx_t *x, lay_tensor_t t, uint64_t addr) {
  return addr >= x->lay->base[t] && addr < x->lay->end[t];
}

/* Rows [a, a+b) of buf from tensor t (its quantized cache, or the
 * projection's rows), then the lists that pick them. */
static int load_decode(opctx_t *x, slot_t *sl, lay_tensor_t t, int buf) {
  const insn_t *in = &sl->in;
  lay_tensor_t qt = t == LAY_K ? LAY_KQ : LAY_VQ;
  bool quant = t != LAY_Q && in->addr >= x->lay->base[qt] &&
               in->addr < x->lay->end[qt];
  int rc;
  sl->gather = in->d & (ISA_GATHER | ISA_REGION);
  sl->deq_bits = 0;
  sl->meta_addr = sl->meta_end = 0;
  if (in->b < 1)
    return op_bad(x, isa_lookup(in->op)->name,
                  "empty range (got %ld rows, expected >= %ld)", in->b, 1);
  lay_tensor_t src = t;
  if ((t == LAY_K || t == LAY_V) &&
      in_region(x, t == LAY_K ? LAY_KN : LAY_VN, in->addr))
    src = t == LAY_K ? LAY_KN : LAY_VN; /* the projection's rows */
  if (t == LAY_K && in_region(x, LAY_LM, in->addr))
    src = LAY_LM; /* landmark keys (docs/landmark.md) */
  if (t == LAY_Q && in_region(x, LAY_G, in->addr))
    src = LAY_G; /* gate logits (docs/gated.md), into QBUF as query rows */
  if ((t == LAY_K || t == LAY_Q) && in_region(x, LAY_RC, in->addr))
    src = LAY_RC; /* routing centroids (docs/routing.md) */
  if (quant) {
    if ((rc = op_check_dram(x, sl, qt, false, in->b)) ||
        (rc = quant_decode(x, sl, qt)))
      return rc;
  } else if ((rc = op_check_dram(x, sl, src, src == LAY_K, in->b))) {
    return rc;
  }
  /* a key's MSBs replace its LSBs too; a refetch writes the LSBs only */
  if (sl->loc.t != LAY_KL && (rc = op_use(x, sl, buf, 1, in->a, in->b)))
    return rc;
  if (t == LAY_K && (rc = op_use(x, sl, BUF_KL, 1, in->a, in->b))) return rc;
  if (in->op == OP_LDK && (in->d & ISA_VTOO)) { /* latent attention */
    if (!x->w->v_from_k)
      return op_bad(x, "LDK", "VTOO without model.v_from_k (got flags %ld, "
                    "expected %ld)", in->d, in->d & ~ISA_VTOO);
    if ((rc = op_use(x, sl, BUF_V, 1, in->c, in->b))) return rc;
  }
  if ((rc = op_pred_use(x, sl))) return rc;
  if ((rc = op_cache_use(x, sl, 0))) return rc;
  if (in->d & ISA_REGION) /* whole regions through IBUF[c..] */
    return region_uses(x, sl);
  if (t == LAY_V && (in->d & ISA_VSEL)) {
    if (!sl->gather)
      return op_bad(x, "LDV", "VSEL without GATHER (got flags %ld, expected %ld)",
                    in->d, ISA_GATHER | ISA_VSEL);
    if ((rc = op_use(x, sl, BUF_I, 0, in->e, in->b))) return rc;
    rc = op_use(x, sl, BUF_TL, 0, 0, x->b->cap[BUF_TL]);
  } else if (sl->gather) {
    rc = op_use(x, sl, BUF_TL, 0, in->c, in->b);
  }
  return rc;
}

static int ldq_decode(opctx_t *x, slot_t *sl) { return load_decode(x, sl, LAY_Q, BUF_Q); }
static int ldk_decode(opctx_t *x, slot_t *sl) { return load_decode(x, sl, LAY_K, BUF_K); }
static int ldv_decode(opctx_t *x, slot_t *sl) { return load_decode(x, sl, LAY_V, BUF_V); }

int op_rows_in_block(opctx_t *x, const slot_t *sl) {
  int n = x->lay->rows[sl->loc.t][sl->loc.cs];
  if (!x->b->data) return 0;
  for (int i = 0; sl->gather && i < sl->nrows; i++) {
    long ti = (sl->in.d & ISA_REGION) ? 0
              : sl->loc.t == LAY_V && (sl->in.d & ISA_VSEL)
                  ? (long)sl->in.c + x->b->sp->ibuf[sl->in.e + i]
                  : (long)sl->in.c + i;
    if (ti >= x->b->cap[BUF_TL] || (int)xfer_token(sl, x->b, i) >= n)
      return err_set(x->e, ERR_RUN, "instruction %llu (%s) gathers a row "
                     "outside its DRAM block", (unsigned long long)sl->seq,
                     isa_lookup(sl->in.op)->name);
  }
  return 0;
}

static int load_start(opctx_t *x, slot_t *sl) { return op_rows_in_block(x, sl); }

/* A finished load: Q rows are copied into QBUF; K and V buffer rows are
 * pointed at the DRAM rows they now hold (gathered rows one by one); a
 * VTOO key row is a value row too (its first v_from_k elements). */
static int fill_rows(opctx_t *x, const slot_t *sl) {
  const int16_t *src, **dst;
  lay_loc_t at = sl->loc;
  mi_cur_t cur = {NULL, 0};
  bufs_t *b = x->b;
  int i, d = b->d;
  /* LDQ's rows: queries, gate logits or routing centroids */
  bool q = sl->loc.t == LAY_Q || sl->in.op == OP_LDQ;
  if (q && !sl->gather)
    return mi_read(x->mi, &at, sl->in.b, b->q + (size_t)sl->in.a * (size_t)d);
  dst = (sl->loc.t == LAY_V || sl->loc.t == LAY_VQ || sl->loc.t == LAY_VN
             ? b->v : b->k) + sl->in.a;
  for (i = 0; i < sl->in.b; i++) {
    at.row = (int)xfer_token(sl, b, i);
    if (q) {
      if (mi_read(x->mi, &at, 1, b->q + (size_t)(sl->in.a + i) * (size_t)d))
        return -1;
    } else {
      if (!(src = mi_rows_next(x->mi, &cur, &at))) return -1;
      dst[i] = src;
      if (sl->in.op == OP_LDK && (sl->in.d & ISA_VTOO))
        b->v[sl->in.c + i] = src; /* list: the VBUF row */
    }
  }
  return 0;
}

/* Rows filled, counted as buffer writes. */
static int load_done(opctx_t *x, const slot_t *sl, int stat) {
  if (x->b->data && fill_rows(x, sl))
    return err_set(x->e, ERR_RUN, "out of memory reading tensors");
  x->st->c[stat] += (uint64_t)sl->in.b * (uint64_t)x->b->row_bytes;
  if (sl->deq_bits) { /* dequantized on the way in (docs/kivi.md) */
    x->st->c[ST_KVQ_DEQUANT_ELEMS] += (uint64_t)sl->in.b * (uint64_t)x->b->d;
    x->st->c[ST_KVQ_META_BYTES] +=
        sl->loc.t == LAY_KQ ? sl->meta_end - sl->meta_addr
                            : (uint64_t)sl->in.b * (uint64_t)x->lay->extra[LAY_VQ];
  }
  return 0;
}

static int ldq_complete(opctx_t *x, slot_t *sl, bool ran) {
  if (!ran) return 0; /* predicated off (MoH, docs/moh.md): nothing came */
  return load_done(x, sl, ST_QBUF_WRITE_BYTES);
}

/* KBUF rows written by a key load: low bits present (KL plane) or not. */
static int ldk_complete(opctx_t *x, slot_t *sl, bool ran) {
  for (int i = 0; ran && i < sl->in.b; i++)
    x->b->sp->kfull[sl->in.a + i] =
        sl->loc.t == LAY_KL ? xfer_token(sl, x->b, i) + 1 : 0;
  if (sl->in.d & ISA_VTOO)
    x->st->c[ST_VBUF_WRITE_BYTES] +=
        (uint64_t)sl->in.b * (uint64_t)x->b->vrow_bytes;
  return load_done(x, sl, ST_KBUF_WRITE_BYTES);
}

static int ldv_complete(opctx_t *x, slot_t *sl, bool ran) {
  (void)ran;
  return load_done(x, sl, ST_VBUF_WRITE_BYTES);
}

/* POOL: one QBUF or KBUF row (buf 0 or 1) from `rows` rows at addr. */
static int pool_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (in->c > 1)
    return op_bad(x, "POOL", "buf not QBUF or KBUF (got %ld, expected <= %ld)",
                  in->c, 1);
  return op_use(x, sl, in->c ? BUF_K : BUF_Q, 1, in->a, 1) ||
         op_check_dram(x, sl, in->c ? LAY_K : LAY_Q, false, in->b)
             ? x->e->status : 0;
}

/* The rounded mean (bf_mean) of its rows, element by element, into the
 * QBUF row or the KBUF row's pooled storage. */
static int pool_row(opctx_t *x, const slot_t *sl) {
  bufs_t *b = x->b;
  int d = b->d, n = sl->in.b;
  int16_t *dst = sl->in.c ? b->kpool + (size_t)sl->in.a * (size_t)d
                          : b->q + (size_t)sl->in.a * (size_t)d;
  int16_t *src = malloc((size_t)n * (size_t)d * sizeof *src);
  if (!src || mi_read(x->mi, &sl->loc, n, src)) {
    free(src);
    return -1;
  }
  for (int j = 0; j < d; j++) {
    int64_t sum = 0;
    for (int i = 0; i < n; i++) sum += src[(size_t)i * (size_t)d + (size_t)j];
    dst[j] = bf_mean(sum, n);
  }
  free(src);
  if (sl->in.c) b->k[sl->in.a] = dst;
  return 0;
}

static int pool_complete(opctx_t *x, slot_t *sl, bool ran) {
  (void)ran;
  if (x->b->data && pool_row(x, sl))
    return err_set(x->e, ERR_RUN, "out of memory reading tensors");
  x->st->c[sl->in.c ? ST_KBUF_WRITE_BYTES : ST_QBUF_WRITE_BYTES] +=
      (uint64_t)x->b->row_bytes;
  return 0;
}

const op_sem_t op_ldq = {
    .flags = ISA_GATHER | ISA_PRED | ISA_PREG_FIELD,
    .preg_with = ISA_PRED,
    .reads = BUFM(BUF_TL) | BUFM(BUF_P), .writes = BUFM(BUF_Q),
    .dram_fill = true,
    .decode = ldq_decode, .start = load_start, .complete = ldq_complete,
};

const op_sem_t op_ldk = {
    .flags = ISA_GATHER | ISA_REGION | ISA_PRED | ISA_PREG_FIELD | ISA_VTOO,
    .one_of = ISA_GATHER | ISA_REGION,
    .alone = ISA_VTOO,
    .preg_with = ISA_PRED,
    .reads = BUFM(BUF_TL) | BUFM(BUF_I) | BUFM(BUF_P) | BUFM(BUF_KC),
    .writes = BUFM(BUF_K) | BUFM(BUF_KL) | BUFM(BUF_V),
    .dram_fill = true,
    .decode = ldk_decode, .start = load_start, .complete = ldk_complete,
};

const op_sem_t op_ldv = {
    .flags = ISA_GATHER | ISA_VSEL | ISA_REGION,
    .alone = ISA_REGION,
    .reads = BUFM(BUF_TL) | BUFM(BUF_I) | BUFM(BUF_VC), .writes = BUFM(BUF_V),
    .dram_fill = true,
    .decode = ldv_decode, .start = load_start, .complete = ldv_complete,
};

const op_sem_t op_pool = {
    .writes = BUFM(BUF_Q) | BUFM(BUF_K),
    .dram_fill = true,
    .decode = pool_decode, .start = load_start, .complete = pool_complete,
};
