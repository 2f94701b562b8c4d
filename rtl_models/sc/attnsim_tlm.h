// attnsim_tlm.h - the whole attnsim accelerator model (libattnsim.a:
// compile a workload, simulate it cycle by cycle) as a SystemC module
// behind a TLM-2.0 target socket, for a SystemC virtual platform.
//
// Register map (blocking transport, byte addresses):
//   ATTNSIM_REG_CMD     write an attnsim_cmd_t: start a run. Refused
//                       (TLM_GENERIC_ERROR_RESPONSE) while one is running.
//   ATTNSIM_REG_STATUS  read an attnsim_status_t; reading it clears irq.
// Completion: when a run ends, `irq` goes high and `done` is notified. The
// run takes the accelerator's simulated time: the module's thread waits
// cycles x clock period (from the config's clock_ghz) of SystemC time
// after the (host-time) simulation, so software on the platform sees the
// accelerator's latency. Other addresses: TLM_ADDRESS_ERROR_RESPONSE;
// wrong lengths: TLM_BURST_ERROR_RESPONSE.
#ifndef ATTN_SC_ATTNSIM_TLM_H
#define ATTN_SC_ATTNSIM_TLM_H

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>

#define ATTNSIM_REG_CMD 0x000
#define ATTNSIM_REG_STATUS 0x100
#define ATTNSIM_MAX_SETS 8

struct attnsim_cmd_t {
  char config[256];                     // hardware config (YAML path)
  char workload[256];                   // workload (YAML path)
  char set[ATTNSIM_MAX_SETS][96];       // config overrides, "key=value" (as --set)
  char wset[ATTNSIM_MAX_SETS][96];      // workload overrides (as --wset)
  int32_t nset, nwset;
};

enum { ATTNSIM_IDLE, ATTNSIM_BUSY, ATTNSIM_DONE, ATTNSIM_ERROR };

struct attnsim_status_t {
  uint32_t state;            // ATTNSIM_IDLE / BUSY / DONE / ERROR
  int32_t rc;                // 0, or the CLI's exit status (2 bad input, 1 run failure)
  uint64_t cycles;           // accelerator cycles of the run
  uint64_t dram_read_bytes;  // statistics of the run (docs/stats.md)
  uint64_t dram_write_bytes;
  uint64_t macs;             // Q x K plus probability x V
  double clock_ghz;          // the config's clock
  char msg[256];             // the error, when state is ATTNSIM_ERROR
};

class attnsim_tlm : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<attnsim_tlm> socket;
  sc_core::sc_out<bool> irq;
  sc_core::sc_event done;

  SC_HAS_PROCESS(attnsim_tlm);
  explicit attnsim_tlm(sc_core::sc_module_name name);

 private:
  attnsim_cmd_t cmd_{};
  attnsim_status_t status_{};
  sc_core::sc_event start_;
  bool irq_next_ = false;
  sc_core::sc_event irq_changed_;

  void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay);
  void worker();
  void drive_irq();
  int run(uint64_t *cycles);  // one compile + simulate, fills status_
};

#endif
