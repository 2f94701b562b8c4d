/* Compiler output pinned to exact instruction sequences for tiny graphs,
 * derived by hand from the lowering rules in compiler/compile.h and the
 * DRAM layout in common/layout.h (regions at 1 MiB: Q 0, K 0x100000,
 * V 0x200000, O 0x300000; head_dim 4 at 12 bits = 6 B per row; decode
 * adds the projection's new K/V rows, KN 0x400000 and VN 0x500000, one
 * block of prompt + generate rows each: docs/serve.md). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "compile.h"
#include "layout.h"
#include "mech.h"
#include "trace.h"

static cfg_t tiny_cfg(void) {
  cfg_t c;
  cfg_defaults(&c);
  c.width = 12;
  c.query_buffer_bytes = 64;  /* 10 rows of 6 B */
  c.key_buffer_bytes = 64;    /* 10 rows */
  c.value_buffer_bytes = 64;
  c.output_buffer_bytes = 64; /* 4 accumulator rows of 16 B */
  c.score_buffer_entries = 16;
  c.chunk_rows = 2;
  return c;
}

static wl_t tiny_wl(wl_phase_t ph, int heads) {
  wl_t w;
  wl_defaults(&w);
  w.layers = 1;
  w.heads = heads;
  w.head_dim = 4;
  w.phase = ph;
  w.ncases = 1;
  return w;
}

static void expect_program(const cfg_t *c, const wl_t *w, const char **want,
                           int n) {
  FILE *f = tmpfile();
  trace_reader_t tr;
  err_t e;
  insn_t in;
  char line[160];
  int i = 0, r;
  cr_assert_eq(comp_compile(c, w, "tiny", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "tiny", &e), 0, "%s", e.msg);
  cr_expect_eq(tr.hdr.config_hash, cfg_hash(c));
  while ((r = trr_next(&tr, &in, &e)) == 1) {
    isa_format(&in, line, sizeof line);
    cr_assert_lt(i, n, "extra instruction %s", line);
    cr_expect_str_eq(line, want[i], "instruction %d", i);
    i++;
  }
  cr_expect_eq(r, 0, "%s", e.msg);
  cr_expect_eq(i, n, "got %d instructions, expected %d", i, n);
  fclose(f);
}

/* Decode one token after a 2-token prompt: 3 keys stream in chunks of 2.
 * The cache holds positions 0 and 1 (K, V); the new token's row, position
 * 2, is the second chunk: it comes from the projection (KN, VN row 2 at
 * +12 B) into the same buffer row, which STK / STV then append as row 2
 * of the cache (+12 B), before the chunk's QK or AV. */
Test(compiler, decode_streams_chunks) {
  cfg_t c = tiny_cfg();
  wl_t w = tiny_wl(WL_DECODE, 1);
  static const char *want[] = {
      "LAYER case=0 layer=0",
      "LDQ qrow=0 rows=1 list=0 flags=0 addr=0xc", /* Q row at position 2 */
      "LDK krow=0 rows=2 list=0 flags=0 addr=0x100000",
      "QK qrow=0 krow=0 rows=2 flags=0 soff=0",
      "LDK krow=2 rows=1 list=0 flags=0 addr=0x40000c", /* KN, position 2 */
      "STK krow=2 rows=1 addr=0x10000c",                /* K cache row 2 */
      "QK qrow=0 krow=2 rows=1 flags=0 soff=2",
      "SMAX soff=0 len=3 list=0 flags=0 thr16=0",
      "LDV vrow=0 rows=2 list=0 flags=0 ioff=0 addr=0x200000",
      "AV orow=0 vrow=0 rows=2 flags=0 soff=0 sel=0x0",
      "LDV vrow=2 rows=1 list=0 flags=0 ioff=0 addr=0x50000c", /* VN, position 2 */
      "STV vrow=2 rows=1 addr=0x20000c",                       /* V cache row 2 */
      "AV orow=0 vrow=2 rows=1 flags=1 soff=2 sel=0x0",
      "STO orow=0 head=0 list=0 flags=0 addr=0x300000",
  };
  w.prompt = 2;
  w.generate = 1;
  expect_program(&c, &w, want, (int)(sizeof want / sizeof want[0]));
}

/* Prefill, 2 tokens, 2 heads: K and V of a head load once and serve both
 * queries; the second head's rows follow the first's in each ring. */
Test(compiler, prefill_resident_heads) {
  cfg_t c = tiny_cfg();
  wl_t w = tiny_wl(WL_PREFILL, 2);
  static const char *want[] = {
      "LAYER case=0 layer=0",
      "LDK krow=0 rows=2 list=0 flags=0 addr=0x100000",
      "LDV vrow=0 rows=2 list=0 flags=0 ioff=0 addr=0x200000",
      "LDQ qrow=0 rows=1 list=0 flags=0 addr=0x0",
      "QK qrow=0 krow=0 rows=2 flags=0 soff=0",
      "SMAX soff=0 len=2 list=0 flags=0 thr16=0",
      "AV orow=0 vrow=0 rows=2 flags=0 soff=0 sel=0x0",
      "STO orow=0 head=0 list=0 flags=0 addr=0x300000",
      "LDQ qrow=1 rows=1 list=0 flags=0 addr=0x6",
      "QK qrow=1 krow=0 rows=2 flags=0 soff=2",
      "SMAX soff=2 len=2 list=0 flags=0 thr16=0",
      "AV orow=1 vrow=0 rows=2 flags=0 soff=2 sel=0x0",
      "STO orow=1 head=0 list=0 flags=0 addr=0x300006",
      "LDK krow=2 rows=2 list=0 flags=0 addr=0x10000c",
      "LDV vrow=2 rows=2 list=0 flags=0 ioff=0 addr=0x20000c",
      "LDQ qrow=2 rows=1 list=0 flags=0 addr=0xc",
      "QK qrow=2 krow=2 rows=2 flags=0 soff=4",
      "SMAX soff=4 len=2 list=0 flags=0 thr16=0",
      "AV orow=2 vrow=2 rows=2 flags=0 soff=4 sel=0x0",
      "STO orow=2 head=0 list=0 flags=0 addr=0x30000c",
      "LDQ qrow=3 rows=1 list=0 flags=0 addr=0x12",
      "QK qrow=3 krow=2 rows=2 flags=0 soff=6",
      "SMAX soff=6 len=2 list=0 flags=0 thr16=0",
      "AV orow=3 vrow=2 rows=2 flags=0 soff=6 sel=0x0",
      "STO orow=3 head=0 list=0 flags=0 addr=0x300012",
  };
  w.tokens[0] = 2;
  w.causal = false;
  expect_program(&c, &w, want, (int)(sizeof want / sizeof want[0]));
}

/* Causal prefill: query q sees keys 0..q. */
Test(compiler, prefill_causal_mask) {
  cfg_t c = tiny_cfg();
  wl_t w = tiny_wl(WL_PREFILL, 1);
  static const char *want[] = {
      "LAYER case=0 layer=0",
      "LDK krow=0 rows=2 list=0 flags=0 addr=0x100000",
      "LDK krow=2 rows=1 list=0 flags=0 addr=0x10000c",
      "LDV vrow=0 rows=2 list=0 flags=0 ioff=0 addr=0x200000",
      "LDV vrow=2 rows=1 list=0 flags=0 ioff=0 addr=0x20000c",
      "LDQ qrow=0 rows=1 list=0 flags=0 addr=0x0",
      "QK qrow=0 krow=0 rows=1 flags=0 soff=0",
      "SMAX soff=0 len=1 list=0 flags=0 thr16=0",
      "AV orow=0 vrow=0 rows=1 flags=0 soff=0 sel=0x0",
      "STO orow=0 head=0 list=0 flags=0 addr=0x300000",
      "LDQ qrow=1 rows=1 list=0 flags=0 addr=0x6",
      "QK qrow=1 krow=0 rows=2 flags=0 soff=1",
      "SMAX soff=1 len=2 list=0 flags=0 thr16=0",
      "AV orow=1 vrow=0 rows=2 flags=0 soff=1 sel=0x0",
      "STO orow=1 head=0 list=0 flags=0 addr=0x300006",
      "LDQ qrow=2 rows=1 list=0 flags=0 addr=0xc",
      "QK qrow=2 krow=0 rows=3 flags=0 soff=3",
      "SMAX soff=3 len=3 list=0 flags=0 thr16=0",
      "AV orow=2 vrow=0 rows=3 flags=0 soff=3 sel=0x0",
      "STO orow=2 head=0 list=0 flags=0 addr=0x30000c",
  };
  w.tokens[0] = 3;
  w.causal = true;
  expect_program(&c, &w, want, (int)(sizeof want / sizeof want[0]));
}

/* A buffer that cannot hold one row is refused before anything runs. */
Test(compiler, refuses_impossible_hardware) {
  cfg_t c = tiny_cfg();
  wl_t w = tiny_wl(WL_PREFILL, 1);
  FILE *f = tmpfile();
  err_t e;
  w.tokens[0] = 20; /* more keys than 16 score entries */
  c.map_softmax = CFG_SMAX_ROW; /* auto would tile (docs/tiling.md) */
  cr_expect_eq(comp_compile(&c, &w, "tiny.yaml", f, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "tiny.yaml: buffers.score_entries: score buffer too small") == e.msg,
            "%s", e.msg);
  fclose(f);
}

/* comp_compile lowers through the owner's entry: every mechanism that can
 * own a YAML workload (all but the CSV import) has a lowering, and a
 * schedule on hardware without pruning is refused by its hw_check. */
Test(compiler, every_owning_mechanism_lowers) {
  cfg_t c = tiny_cfg();
  wl_t w = tiny_wl(WL_PREFILL, 1);
  FILE *f = tmpfile();
  err_t e;
  for (int i = 0; i < mech_count; i++)
    if (mech_table[i]->claims || i == mech_count - 1)
      cr_expect(mech_table[i]->lower, "%s has no lowering", mech_table[i]->name);
  w.tokens[0] = 3;
  w.sched[WL_S_TOKEN_KEEP][0] = 0.5;
  cr_assert_str_eq(mech_of(&w, c.width)->name, "spatten");
  c.pruning = false;
  cr_expect_eq(comp_compile(&c, &w, "tiny.yaml", f, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "tiny.yaml: features.pruning: ") == e.msg, "%s", e.msg);
  fclose(f);
}

/* Rows of KBUF whose key MSBs a low-bit refetch completes must hold the
 * same head's keys: a refetch (an LDK from the KL region) into a row whose
 * last MSB load (an LDK from the K region) came from another head, layer or
 * TLIST slot would, on hardware, pair one key's high bits with another's
 * low bits (the simulator cannot tell: a buffer row points at its DRAM
 * row). Checked on every emitted trace of a sweep over prompt lengths and
 * key-buffer sizes in which resident keys wrap onto the rows of the
 * previous head, whose refetch the lowering delays past the next head's
 * loads (software pipelining). Returns how many refetch rows it checked. */
static int check_refetch_rows(const cfg_t *c, const wl_t *w) {
  FILE *f = tmpfile();
  trace_reader_t tr;
  lay_t lay;
  err_t e;
  insn_t in;
  int r, checked = 0;
  struct { int layer, head, slot; } own[64];
  cr_assert_eq(lay_init(&lay, c, w, "tiny", &e), 0, "%s", e.msg);
  cr_assert_leq(lay.kbuf_rows, 64);
  for (int i = 0; i < 64; i++) own[i].layer = -1;
  cr_assert_eq(comp_compile(c, w, "tiny", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "tiny", &e), 0, "%s", e.msg);
  while ((r = trr_next(&tr, &in, &e)) == 1) {
    lay_loc_t loc;
    if (in.op != OP_LDK) continue;
    cr_assert_eq(lay_decode(&lay, in.addr, 1, &loc), 0);
    for (int i = 0; i < in.b; i++) {
      int row = (int)in.a + i, slot = (int)in.c + i;
      if (loc.t == LAY_K) {
        own[row].layer = loc.layer, own[row].head = loc.head;
        own[row].slot = slot;
        continue;
      }
      cr_assert_eq(loc.t, LAY_KL);
      cr_expect(own[row].layer == loc.layer && own[row].head == loc.head &&
                    own[row].slot == slot,
                "prompt %d, %d key rows: refetch of layer %d head %d slot %d "
                "into KBUF row %d, which holds layer %d head %d slot %d",
                w->prompt, lay.kbuf_rows, loc.layer, loc.head, slot, row,
                own[row].layer, own[row].head, own[row].slot);
      checked++;
    }
  }
  cr_expect_eq(r, 0, "%s", e.msg);
  fclose(f);
  return checked;
}

Test(compiler, no_key_load_over_a_pending_refetch) {
  int checked = 0;
  for (int kbytes = 36; kbytes <= 96; kbytes += 6)
    for (int prompt = 2; prompt <= 12; prompt++) {
      cfg_t c = tiny_cfg();
      wl_t w = tiny_wl(WL_DECODE, 3);
      c.key_buffer_bytes = kbytes; /* 6 to 16 rows of 6 B */
      w.layers = 2;
      w.prompt = prompt;
      w.generate = 2;
      w.sched[WL_S_TOKEN_KEEP][0] = 0.6; /* layer 1 has fewer keys */
      w.sched[WL_S_KEY_MSB][0] = 6;
      w.sched[WL_S_KEY_LSB][0] = 6;
      w.sched[WL_S_THRESHOLD][0] = 1; /* every query may refetch */
      checked += check_refetch_rows(&c, &w);
    }
  cr_expect_gt(checked, 0);
}
