/* ISA table: encodings do not overlap, encode/decode round-trips, the
 * assembler and disassembler agree. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "isa.h"

Test(isa, opcodes_unique_and_names_unique) {
  int i, j;
  for (i = 0; i < isa_count; i++)
    for (j = i + 1; j < isa_count; j++) {
      cr_expect_neq(isa_table[i].opcode, isa_table[j].opcode, "%s vs %s",
                    isa_table[i].name, isa_table[j].name);
      cr_expect_str_neq(isa_table[i].name, isa_table[j].name);
    }
}

/* Bit ranges of the opcode and of every field are disjoint and inside
 * their 64-bit word. */
Test(isa, fields_do_not_overlap) {
  uint64_t used[2] = {(1u << ISA_OPCODE_BITS) - 1, 0};
  int f;
  for (f = 0; f < F_COUNT; f++) {
    const isa_field_info_t *fi = &isa_fields[f];
    uint64_t m = (fi->bits == 64 ? ~0ull : ((1ull << fi->bits) - 1)) << fi->lo;
    cr_assert(fi->lo + fi->bits <= 64, "%s leaves its word", fi->name);
    cr_expect_eq(used[fi->word] & m, 0, "%s overlaps another field", fi->name);
    used[fi->word] |= m;
  }
}

static insn_t random_insn(const isa_info_t *ii, uint64_t *seed) {
  insn_t in;
  int f;
  memset(&in, 0, sizeof in);
  in.op = ii->opcode;
  for (f = 0; f < F_COUNT; f++) {
    *seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
    if (ii->operand[f])
      isa_put(&in, (isa_field_t)f,
              (*seed >> 11) & ((1ull << isa_fields[f].bits) - 1));
  }
  return in;
}

Test(isa, encode_decode_round_trip) {
  uint64_t seed = 42;
  int i, k;
  for (i = 0; i < isa_count; i++)
    for (k = 0; k < 200; k++) {
      insn_t in = random_insn(&isa_table[i], &seed), out;
      uint8_t b[16];
      err_t e;
      isa_encode(&in, b);
      cr_assert_eq(isa_decode(b, &out, &e), 0, "%s: %s", isa_table[i].name,
                   e.msg);
      cr_assert_eq(memcmp(&in, &out, sizeof in), 0, "%s", isa_table[i].name);
    }
}

/* Hand-assembled: QK qrow=1 krow=2 rows=3 soff=4 -> word0 = 0x20 |
 * 1<<16 | 2<<32 | 3<<48, word1 = 4<<48. */
Test(isa, known_encoding) {
  insn_t in = {.op = OP_QK, .a = 1, .b = 2, .c = 3, .e = 4};
  uint8_t b[16], want[16] = {0x20, 0, 1, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0};
  isa_encode(&in, b);
  cr_assert_eq(memcmp(b, want, 16), 0);
}

/* isa_lookup by index: every opcode finds its own row or none, and the
 * rows found are exactly the table's (a linear search over isa_table is
 * the independent answer). */
Test(isa, lookup_matches_table_search) {
  int op, i, found = 0;
  for (op = 0; op < 256; op++) {
    const isa_info_t *want = NULL;
    for (i = 0; i < isa_count; i++)
      if (isa_table[i].opcode == op) want = &isa_table[i];
    cr_assert_eq(isa_lookup((uint8_t)op), want, "opcode 0x%02x", op);
    found += want != NULL;
  }
  cr_assert_eq(found, isa_count, "two rows share an opcode");
}

Test(isa, decoder_rejects_unknown_and_dirty_fields) {
  uint8_t b[16] = {0xff};
  insn_t out;
  err_t e;
  cr_expect_eq(isa_decode(b, &out, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "unknown opcode") != NULL, "%s", e.msg);
  memset(b, 0, 16);
  b[0] = OP_SMAX;
  b[8] = 1; /* addr field, unused by SMAX */
  cr_expect_eq(isa_decode(b, &out, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "unused field addr") != NULL, "%s", e.msg);
}

Test(isa, text_round_trip) {
  uint64_t seed = 7;
  int i;
  for (i = 0; i < isa_count; i++) {
    insn_t in = random_insn(&isa_table[i], &seed), out;
    char line[200];
    err_t e;
    isa_format(&in, line, sizeof line);
    cr_assert_eq(isa_parse(line, &out, "t.s", 1, &e), 0, "%s: %s", line, e.msg);
    cr_assert_eq(memcmp(&in, &out, sizeof in), 0, "%s", line);
  }
}

Test(isa, parse_errors_are_located) {
  insn_t out;
  err_t e;
  cr_expect_eq(isa_parse("QK qrow=1 krow=2 rows=3", &out, "t.s", 5, &e), 2);
  cr_expect(strstr(e.msg, "t.s:5:1: QK: missing operand flags") == e.msg, "%s", e.msg);
  cr_expect_eq(isa_parse("FOO a=1", &out, "t.s", 2, &e), 2);
  cr_expect(strstr(e.msg, "t.s:2:1: insn: unknown mnemonic") == e.msg, "%s", e.msg);
  cr_expect_eq(isa_parse("LDK krow=2147483648 rows=1 addr=0", &out, "t.s", 3, &e), 2);
  cr_expect(strstr(e.msg, "t.s:3:5: krow: value out of range") == e.msg, "%s", e.msg);
}
