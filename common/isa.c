#include "isa.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char *const unit_names[UNIT_COUNT] = {
#define U(id, name, kind) name,
    UNIT_LIST(U)
#undef U
};

const unit_kind_t unit_kinds[UNIT_COUNT] = {
#define U(id, name, kind) kind,
    UNIT_LIST(U)
#undef U
};

const isa_field_info_t isa_fields[F_COUNT] = {
    [F_A] = {"a", 0, 16, 16},   [F_B] = {"b", 0, 32, 16},
    [F_C] = {"c", 0, 48, 16},   [F_D] = {"d", 0, 8, 8},
    [F_E] = {"e", 1, 48, 16},   [F_ADDR] = {"addr", 1, 0, 48},
};

const isa_info_t isa_table[] = {
#define ISA(nm, op, unit, sem, a, b, c, d, e, addr, doc) \
  {#nm, op, unit, {a, b, c, d, e, addr}, doc},
#include "isa.def"
#undef ISA
};
const int isa_count = (int)(sizeof isa_table / sizeof isa_table[0]);

/* isa_table's entry of each opcode, NULL for an unused one: the engine
 * looks one up per instruction. */
enum {
#define ISA(nm, op, unit, sem, a, b, c, d, e, addr, doc) ISA_AT_##nm,
#include "isa.def"
#undef ISA
};
static const isa_info_t *const isa_by_opcode[256] = {
#define ISA(nm, op, unit, sem, a, b, c, d, e, addr, doc) \
  [op] = &isa_table[ISA_AT_##nm],
#include "isa.def"
#undef ISA
};

const isa_info_t *isa_lookup(uint8_t opcode) { return isa_by_opcode[opcode]; }

const isa_info_t *isa_by_name(const char *name) {
  int i;
  for (i = 0; i < isa_count; i++)
    if (strcmp(isa_table[i].name, name) == 0) return &isa_table[i];
  return NULL;
}

uint64_t isa_get(const insn_t *in, isa_field_t f) {
  switch (f) {
  case F_A: return in->a;
  case F_B: return in->b;
  case F_C: return in->c;
  case F_D: return in->d;
  case F_E: return in->e;
  default: return in->addr;
  }
}

void isa_put(insn_t *in, isa_field_t f, uint64_t v) {
  switch (f) {
  case F_A: in->a = (int32_t)v; break;
  case F_B: in->b = (int32_t)v; break;
  case F_C: in->c = (int32_t)v; break;
  case F_D: in->d = (uint8_t)v; break;
  case F_E: in->e = (int32_t)v; break;
  default: in->addr = v & ((UINT64_C(1) << 48) - 1); break;
  }
}

static uint64_t field_mask(int bits) {
  return bits >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << bits) - 1;
}

static void put_le64(uint8_t *p, uint64_t v) {
  int i;
  for (i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p) {
  uint64_t v = 0;
  int i;
  for (i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

bool isa_is_wide(const insn_t *in) {
  return ((uint32_t)in->a | (uint32_t)in->b | (uint32_t)in->c |
          (uint32_t)in->e) > 0xFFFF;
}

void isa_ext(const insn_t *in, insn_t *ext) {
  memset(ext, 0, sizeof *ext);
  ext->op = OP_EXT;
  ext->a = (int32_t)((uint32_t)in->a >> 16);
  ext->b = (int32_t)((uint32_t)in->b >> 16);
  ext->c = (int32_t)((uint32_t)in->c >> 16);
  ext->e = (int32_t)((uint32_t)in->e >> 16);
}

int isa_merge_ext(const insn_t *ext, insn_t *in, err_t *e) {
  const isa_info_t *ii = isa_lookup(in->op);
  uint32_t hi[4] = {(uint32_t)ext->a, (uint32_t)ext->b, (uint32_t)ext->c,
                    (uint32_t)ext->e};
  isa_field_t f[4] = {F_A, F_B, F_C, F_E};
  int i;
  if (in->op == OP_EXT)
    return err_set(e, ERR_BAD_INPUT, "EXT followed by EXT (expected one "
                   "prefix per instruction)");
  if (!(hi[0] | hi[1] | hi[2] | hi[3]) ||
      ((hi[0] | hi[1] | hi[2] | hi[3]) >> (ISA_WIDE_BITS - 16)))
    return err_set(e, ERR_BAD_INPUT, "%s: EXT with no upper bits or past "
                   "31 bits (expected 1..0x7fff in some field, only before "
                   "a field wider than 16 bits)", ii->name);
  for (i = 0; i < 4; i++) {
    if (hi[i] && !ii->operand[f[i]])
      return err_set(e, ERR_BAD_INPUT, "%s: EXT sets the upper bits of "
                     "unused field %s (got 0x%x, expected 0)", ii->name,
                     isa_fields[f[i]].name, (unsigned)hi[i]);
    isa_put(in, f[i], isa_get(in, f[i]) | (uint64_t)hi[i] << 16);
  }
  return 0;
}

void isa_encode(const insn_t *in, uint8_t out[16]) {
  uint64_t w[2] = {in->op, 0};
  int f;
  for (f = 0; f < F_COUNT; f++) {
    const isa_field_info_t *fi = &isa_fields[f];
    w[fi->word] |= (isa_get(in, (isa_field_t)f) & field_mask(fi->bits))
                   << fi->lo;
  }
  put_le64(out, w[0]);
  put_le64(out + 8, w[1]);
}

int isa_decode(const uint8_t in[16], insn_t *out, err_t *e) {
  uint64_t w[2] = {get_le64(in), get_le64(in + 8)};
  const isa_info_t *ii = isa_lookup((uint8_t)(w[0] & 0xff));
  int f;
  memset(out, 0, sizeof *out);
  if (!ii)
    return err_set(e, ERR_BAD_INPUT, "unknown opcode 0x%02x",
                   (unsigned)(w[0] & 0xff));
  out->op = ii->opcode;
  for (f = 0; f < F_COUNT; f++) {
    const isa_field_info_t *fi = &isa_fields[f];
    uint64_t v = (w[fi->word] >> fi->lo) & field_mask(fi->bits);
    if (v && !ii->operand[f])
      return err_set(e, ERR_BAD_INPUT,
                     "%s: unused field %s is 0x%" PRIx64 " (expected 0)",
                     ii->name, fi->name, v);
    isa_put(out, (isa_field_t)f, v);
  }
  return 0;
}

void isa_format(const insn_t *in, char *buf, size_t len) {
  const isa_info_t *ii = isa_lookup(in->op);
  size_t n;
  int f;
  if (!ii) {
    snprintf(buf, len, ".word 0x%02x", in->op);
    return;
  }
  n = (size_t)snprintf(buf, len, "%s", ii->name);
  for (f = 0; f < F_COUNT && n < len; f++) {
    if (!ii->operand[f]) continue;
    n += (size_t)snprintf(buf + n, len - n,
                          f == F_ADDR ? " %s=0x%" PRIx64 : " %s=%" PRIu64,
                          ii->operand[f], isa_get(in, (isa_field_t)f));
  }
}

/* Find the field of ii named name (as an operand), or -1. */
static int operand_index(const isa_info_t *ii, const char *name, size_t n) {
  int f;
  for (f = 0; f < F_COUNT; f++)
    if (ii->operand[f] && strlen(ii->operand[f]) == n &&
        strncmp(ii->operand[f], name, n) == 0)
      return f;
  return -1;
}

static int parse_operand(const isa_info_t *ii, const char *tok, size_t tlen,
                         insn_t *out, unsigned *seen, const char *file,
                         int lineno, int col, err_t *e) {
  const char *eq = memchr(tok, '=', tlen);
  char num[40], *end;
  unsigned long long v;
  int f, bits;
  if (!eq)
    return err_at(e, file, lineno, col, ii->name,
                  "operand '%.*s' is not name=value", (int)tlen, tok);
  f = operand_index(ii, tok, (size_t)(eq - tok));
  if (f < 0)
    return err_at(e, file, lineno, col, ii->name, "unknown operand '%.*s'",
                  (int)(eq - tok), tok);
  if (*seen & (1u << f))
    return err_at(e, file, lineno, col, ii->operand[f], "operand given twice");
  *seen |= 1u << f;
  if ((size_t)(tok + tlen - eq - 1) >= sizeof num || tok + tlen == eq + 1)
    return err_at(e, file, lineno, col, ii->operand[f], "bad value");
  memcpy(num, eq + 1, (size_t)(tok + tlen - eq - 1));
  num[tok + tlen - eq - 1] = '\0';
  errno = 0;
  v = strtoull(num, &end, 0);
  /* a, b, c and e are 32-bit (the writer adds an EXT); EXT's own 16 */
  bits = f == F_D || f == F_ADDR || ii->opcode == OP_EXT ? isa_fields[f].bits
                                                        : ISA_WIDE_BITS;
  if (*end || errno || num[0] == '-' || v > field_mask(bits))
    return err_at(e, file, lineno, col, ii->operand[f],
                  "value out of range (got %s, expected 0..%llu)", num,
                  (unsigned long long)field_mask(bits));
  isa_put(out, (isa_field_t)f, v);
  return 0;
}

int isa_parse(const char *line, insn_t *out, const char *file, int lineno,
              err_t *e) {
  const char *p = line, *tok;
  const isa_info_t *ii;
  char name[16];
  size_t n;
  unsigned seen = 0;
  int f;
  memset(out, 0, sizeof *out);
  while (*p == ' ' || *p == '\t') p++;
  tok = p;
  while (*p && *p != ' ' && *p != '\t') p++;
  n = (size_t)(p - tok);
  if (n == 0 || n >= sizeof name)
    return err_at(e, file, lineno, 1, "insn", "expected a mnemonic");
  memcpy(name, tok, n);
  name[n] = '\0';
  if (!(ii = isa_by_name(name)))
    return err_at(e, file, lineno, (int)(tok - line) + 1, "insn",
                  "unknown mnemonic (got %s)", name);
  out->op = ii->opcode;
  for (;;) {
    while (*p == ' ' || *p == '\t') p++;
    if (!*p || *p == '\n' || *p == '\r') break;
    tok = p;
    while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') p++;
    if (parse_operand(ii, tok, (size_t)(p - tok), out, &seen, file, lineno,
                      (int)(tok - line) + 1, e))
      return ERR_BAD_INPUT;
  }
  for (f = 0; f < F_COUNT; f++)
    if (ii->operand[f] && !(seen & (1u << f)))
      return err_at(e, file, lineno, 1, ii->name, "missing operand %s",
                    ii->operand[f]);
  return 0;
}
