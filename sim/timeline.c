#include "timeline.h"

#include <inttypes.h>
#include <string.h>

/* Row (tid) of unit u's state slices: after every unit's instruction row. */
#define STATE_TID(u) (UNIT_COUNT + (int)(u))

static void thread_meta(FILE *f, int tid, int sort, const char *name,
                        const char *suffix) {
  fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
             "\"args\":{\"name\":\"%s%s\"}}", tid, name, suffix);
  fprintf(f, ",\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,"
             "\"tid\":%d,\"args\":{\"sort_index\":%d}}", tid, sort);
}

void tl_begin(timeline_t *t, FILE *f, double clock_ghz, uint64_t from,
              uint64_t to) {
  int u;
  memset(t, 0, sizeof *t);
  t->f = f;
  t->clock_ghz = clock_ghz;
  t->us_per_cycle = 1e-3 / clock_ghz;
  t->from = from;
  t->to = to;
  t->bucket = 1;
  fprintf(f, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
  fprintf(f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,"
             "\"args\":{\"name\":\"attnsim accelerator\"}}");
  for (u = 0; u < UNIT_COUNT; u++) { /* each unit's state row under it */
    thread_meta(f, u, 2 * u, unit_names[u], "");
    thread_meta(f, STATE_TID(u), 2 * u + 1, unit_names[u], " state");
  }
}

/* Clip [*a, *b) to the window; 0 when no part of it lies inside. An
 * instant (a == b) is kept when it lies in [from, to). */
static int clip(const timeline_t *t, uint64_t *a, uint64_t *b) {
  if (*a >= t->to || *b < t->from || (*b == t->from && *a < *b)) return 0;
  if (*a < t->from) *a = t->from;
  if (*b > t->to) *b = t->to;
  return 1;
}

/* The slice's args keep the instruction's own cycles, clipped or not. */
void tl_span(void *ctx, unit_t unit, const insn_t *in, uint64_t start,
             uint64_t end) {
  timeline_t *t = ctx;
  char line[160];
  const isa_info_t *ii;
  uint64_t a = start, b = end;
  if (!clip(t, &a, &b)) return;
  ii = isa_lookup(in->op);
  isa_format(in, line, sizeof line);
  fprintf(t->f,
          ",\n{\"name\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,"
          "\"ts\":%.4f,\"dur\":%.4f,\"args\":{\"insn\":\"%s\",\"start_cycle\":%"
          PRIu64 ",\"end_cycle\":%" PRIu64 "}}",
          ii ? ii->name : "?", (int)unit, (double)a * t->us_per_cycle,
          (double)(b - a) * t->us_per_cycle, line, start, end);
}

void tl_state(void *ctx, unit_t unit, int state, uint64_t from, uint64_t to) {
  timeline_t *t = ctx;
  if (!clip(t, &from, &to) || from == to) return;
  fprintf(t->f,
          ",\n{\"name\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,"
          "\"ts\":%.4f,\"dur\":%.4f}",
          ustate_names[state], STATE_TID(unit), (double)from * t->us_per_cycle,
          (double)(to - from) * t->us_per_cycle);
}

/* Widen the buckets (merging neighbours) until cycle falls in one of the
 * first TL_MAX_POINTS; cycle >= from. */
static void fit(timeline_t *t, uint64_t cycle) {
  int i;
  while ((cycle - t->from) / t->bucket >= TL_MAX_POINTS) {
    for (i = 0; i < TL_MAX_POINTS / 2; i++)
      t->bytes[i] = t->bytes[2 * i] + t->bytes[2 * i + 1];
    memset(t->bytes + TL_MAX_POINTS / 2, 0,
           TL_MAX_POINTS / 2 * sizeof t->bytes[0]);
    t->bucket *= 2;
  }
}

void tl_sample(void *ctx, uint64_t cycle, const stats_t *st) {
  timeline_t *t = ctx;
  uint64_t now = st->c[ST_DRAM_TRANSFERRED_BYTES], d = now - t->seen;
  t->seen = now;
  if (!d || cycle < t->from || cycle >= t->to) return;
  fit(t, cycle);
  t->bytes[(cycle - t->from) / t->bucket] += d;
}

/* One counter event per bucket at its first cycle, holding until the
 * next; the last bucket ends at the run's end (or the window's) with a
 * closing 0. A bucket of c cycles that moved B bytes shows
 * B / (c / clock_ghz ns) = B * clock_ghz / c B/ns, that is GB/s. */
static void dram_track(timeline_t *t, uint64_t cycles) {
  uint64_t end = cycles < t->to ? cycles : t->to, a, b;
  int i, n;
  if (end <= t->from) return;
  fit(t, end - 1);
  n = (int)((end - 1 - t->from) / t->bucket) + 1;
  for (i = 0; i <= n; i++) {
    double gbps = 0;
    a = t->from + (uint64_t)i * t->bucket;
    if (i < n) {
      b = a + t->bucket < end ? a + t->bucket : end;
      gbps = (double)t->bytes[i] * t->clock_ghz / (double)(b - a);
    } else {
      a = end;
    }
    fprintf(t->f, ",\n{\"name\":\"DRAM bandwidth\",\"ph\":\"C\",\"pid\":1,"
                  "\"ts\":%.6f,\"args\":{\"GB/s\":%.9g}}",
            (double)a * t->us_per_cycle, gbps);
  }
}

void tl_end(timeline_t *t, uint64_t cycles) {
  dram_track(t, cycles);
  fprintf(t->f, "\n]}\n");
}
