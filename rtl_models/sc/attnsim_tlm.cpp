// attnsim_tlm.cpp - see attnsim_tlm.h. The run is the CLI's `run`
// (cli/attnsim.c): load and override the config and workload, compile to
// a temporary trace, open the tensors, simulate, keep the statistics.
#include "attnsim_tlm.h"

#include <cstdio>
#include <cstring>

extern "C" {
#include "compile.h"
#include "config.h"
#include "engine.h"
#include "err.h"
#include "stats.h"
#include "tensor.h"
#include "trace.h"
#include "workload.h"
}

using namespace sc_core;

attnsim_tlm::attnsim_tlm(sc_module_name name) : sc_module(name), socket("socket"), irq("irq") {
  socket.register_b_transport(this, &attnsim_tlm::b_transport);
  SC_THREAD(worker);
  SC_METHOD(drive_irq);
  sensitive << irq_changed_;
}

void attnsim_tlm::drive_irq() { irq.write(irq_next_); }

void attnsim_tlm::b_transport(tlm::tlm_generic_payload &p, sc_time &delay) {
  uint64_t a = p.get_address();
  unsigned char *d = p.get_data_ptr();
  delay += sc_time(1, SC_NS);  // a register access
  if (a == ATTNSIM_REG_CMD && p.is_write()) {
    if (p.get_data_length() != sizeof cmd_) return p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    if (status_.state == ATTNSIM_BUSY)
      return p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    memcpy(&cmd_, d, sizeof cmd_);
    status_ = attnsim_status_t{};
    status_.state = ATTNSIM_BUSY;
    start_.notify(delay);
  } else if (a == ATTNSIM_REG_STATUS && p.is_read()) {
    if (p.get_data_length() != sizeof status_)
      return p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    memcpy(d, &status_, sizeof status_);
    irq_next_ = false;  // read to clear
    irq_changed_.notify(delay);
  } else {
    return p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  }
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

static void copy_msg(char (&dst)[256], const char *src) {  // truncating
  size_t n = strnlen(src, sizeof dst - 1);
  memcpy(dst, src, n);
  dst[n] = 0;
}

int attnsim_tlm::run(uint64_t *cycles) {
  cfg_t c;
  wl_t w;
  err_t e;
  stats_t st;
  trace_reader_t tr;
  ten_t *ten = nullptr;
  sim_t *s = nullptr;
  FILE *f = nullptr;
  int rc = 0;
  err_clear(&e);
  cmd_.config[sizeof cmd_.config - 1] = cmd_.workload[sizeof cmd_.workload - 1] = 0;
  if (cmd_.nset < 0 || cmd_.nset > ATTNSIM_MAX_SETS || cmd_.nwset < 0 ||
      cmd_.nwset > ATTNSIM_MAX_SETS) {
    copy_msg(status_.msg, "attnsim_cmd_t: nset and nwset must be 0..8");
    return ERR_BAD_INPUT;
  }
  if (cfg_load(cmd_.config, &c, &e)) goto out;
  for (int i = 0; i < cmd_.nset; i++) {
    cmd_.set[i][sizeof cmd_.set[i] - 1] = 0;
    if (cfg_set(&c, cmd_.set[i], &e)) goto out;
  }
  if (wl_load(cmd_.workload, &w, &e)) goto out;
  for (int i = 0; i < cmd_.nwset; i++) {
    cmd_.wset[i][sizeof cmd_.wset[i] - 1] = 0;
    if (wl_set(&w, cmd_.wset[i], &e)) goto out;
  }
  if (cmd_.nwset && wl_validate(&w, "<--wset>", &e)) goto out;
  status_.clock_ghz = c.clock_ghz;
  if (!(f = tmpfile())) {
    err_set(&e, ERR_RUN, "cannot create a temporary trace");
    goto out;
  }
  if (comp_compile(&c, &w, cmd_.config, f, &e) || fflush(f) || fseek(f, 0, SEEK_SET) ||
      trr_open(&tr, f, "<compiled trace>", &e))
    goto out;
  if (ten_open(&ten, &tr.hdr.wl, &e)) goto out;
  if (!(s = sim_new(&c, &tr.hdr.wl, ten, cmd_.config, &e))) goto out;
  st_init(&st);
  if (!sim_run(s, &tr, &st, &e)) {
    *cycles = st.c[ST_CYCLES];
    status_.cycles = st.c[ST_CYCLES];
    status_.dram_read_bytes = st.c[ST_DRAM_READ_BYTES];
    status_.dram_write_bytes = st.c[ST_DRAM_WRITE_BYTES];
    status_.macs = st.c[ST_QK_MACS] + st.c[ST_AV_MACS];
  }
  st_free(&st);
out:
  if (e.status) {
    rc = e.status;
    copy_msg(status_.msg, e.msg);
  }
  if (s) sim_free(s);
  if (ten) ten_close(ten);
  if (f) fclose(f);
  return rc;
}

void attnsim_tlm::worker() {
  for (;;) {
    wait(start_);
    uint64_t cycles = 0;
    int rc = run(&cycles);
    if (!rc) wait(sc_time((double)cycles / status_.clock_ghz, SC_NS));  // the accelerator's time
    status_.rc = rc;
    status_.state = rc ? ATTNSIM_ERROR : ATTNSIM_DONE;
    irq_next_ = true;
    irq_changed_.notify(SC_ZERO_TIME);
    done.notify(SC_ZERO_TIME);
  }
}
