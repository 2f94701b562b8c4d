#include "timeline.h"

#include <inttypes.h>

void tl_begin(timeline_t *t, FILE *f, double clock_ghz) {
  int u;
  t->f = f;
  t->us_per_cycle = 1e-3 / clock_ghz;
  t->first = 1;
  fprintf(f, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
  fprintf(f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,"
             "\"args\":{\"name\":\"attnsim accelerator\"}}");
  for (u = 0; u < UNIT_COUNT; u++)
    fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
               "\"args\":{\"name\":\"%s\"}}", u, unit_names[u]);
}

void tl_span(void *ctx, unit_t unit, const insn_t *in, uint64_t start,
             uint64_t end) {
  timeline_t *t = ctx;
  char line[160];
  const isa_info_t *ii = isa_lookup(in->op);
  isa_format(in, line, sizeof line);
  fprintf(t->f,
          ",\n{\"name\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,"
          "\"ts\":%.4f,\"dur\":%.4f,\"args\":{\"insn\":\"%s\",\"start_cycle\":%"
          PRIu64 ",\"end_cycle\":%" PRIu64 "}}",
          ii ? ii->name : "?", (int)unit, (double)start * t->us_per_cycle,
          (double)(end - start) * t->us_per_cycle, line, start, end);
}

void tl_end(timeline_t *t) { fprintf(t->f, "\n]}\n"); }
