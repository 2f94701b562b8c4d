// tlm_example.cpp - a minimal SystemC platform around attnsim_tlm: an
// initiator writes a command (a bundled config and workload, shortened by
// workload overrides so it runs in a second), sleeps until the completion
// interrupt, reads the status and prints it. Then it checks the module
// refuses a bad command with an error status rather than stopping.
//
// usage: tlm_example [CONFIG WORKLOAD [KEY=VALUE workload overrides...]]
// default: configs/spatten.yaml workloads/bert-base.yaml prefill.tokens=64
// Prints "tlm: cycles=N dram_read_bytes=N dram_write_bytes=N macs=N
// sim_time_ns=T" and the suite's summary line; exit 1 on failure. When
// $ATTNSIM names the CLI (tests/run.sh sets it), the same run through
// `attnsim run --json` must report the same cycles.
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "attnsim_tlm.h"

using namespace sc_core;

SC_MODULE(Cpu) {
  tlm_utils::simple_initiator_socket<Cpu> socket;
  sc_in<bool> irq;
  attnsim_cmd_t cmd{};
  int failures = 0;

  tlm::tlm_response_status access(bool write, uint64_t addr, void *data, unsigned len) {
    tlm::tlm_generic_payload p;
    sc_time delay = SC_ZERO_TIME;
    p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p.set_address(addr);
    p.set_data_ptr((unsigned char *)data);
    p.set_data_length(len);
    p.set_streaming_width(len);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(p, delay);
    wait(delay);
    return p.get_response_status();
  }

  attnsim_status_t run_one(const attnsim_cmd_t &c) {
    attnsim_status_t st{};
    if (access(true, ATTNSIM_REG_CMD, (void *)&c, sizeof c) != tlm::TLM_OK_RESPONSE) {
      fprintf(stderr, "tlm: command refused\n");
      failures++;
      return st;
    }
    wait(irq.posedge_event());
    access(false, ATTNSIM_REG_STATUS, &st, sizeof st);
    return st;
  }

  // The CLI's cycles for the same command, from its JSON report.
  void check_cli(const char *cli, uint64_t cycles) {
    char json[] = "/tmp/attnsim_tlm_XXXXXX";
    int fd = mkstemp(json);
    if (fd < 0) return;
    close(fd);
    std::string c = std::string(cli) + " run --quiet --config " + cmd.config + " --workload " +
                    cmd.workload + " --json " + json;
    for (int i = 0; i < cmd.nwset; i++) c += std::string(" --wset ") + cmd.wset[i];
    uint64_t want = 0;
    if (system(c.c_str()) == 0)
      if (FILE *f = fopen(json, "r")) {
        char line[512];
        while (fgets(line, sizeof line, f))
          if (const char *k = strstr(line, "\"cycles\": ")) {
            want = strtoull(k + 10, nullptr, 10);
            break;
          }
        fclose(f);
      }
    remove(json);
    if (want != cycles) {
      fprintf(stderr, "tlm: %" PRIu64 " cycles, the CLI reports %" PRIu64 "\n", cycles, want);
      failures++;
    } else {
      printf("tlm: the CLI reports the same %" PRIu64 " cycles\n", want);
    }
  }

  void main_thread() {
    sc_time t0 = sc_time_stamp();
    attnsim_status_t st = run_one(cmd);
    double ns = (sc_time_stamp() - t0).to_seconds() * 1e9;
    if (st.state != ATTNSIM_DONE || st.cycles == 0) {
      fprintf(stderr, "tlm: run failed (state %u): %s\n", st.state, st.msg);
      failures++;
    } else {
      printf("tlm: cycles=%" PRIu64 " dram_read_bytes=%" PRIu64 " dram_write_bytes=%" PRIu64
             " macs=%" PRIu64 " sim_time_ns=%.0f\n",
             st.cycles, st.dram_read_bytes, st.dram_write_bytes, st.macs, ns);
      // the accelerator's time passed in SystemC time, plus register accesses
      if (ns < (double)st.cycles / st.clock_ghz) {
        fprintf(stderr, "tlm: completion came before the accelerator's run time\n");
        failures++;
      }
    }
    if (const char *cli = getenv("ATTNSIM")) check_cli(cli, st.cycles);
    attnsim_cmd_t bad = cmd;  // a bad command: an error status, not a crash
    snprintf(bad.wset[0], sizeof bad.wset[0], "prefill.tokens=0");
    bad.nwset = 1;
    st = run_one(bad);
    if (st.state != ATTNSIM_ERROR || st.rc != 2) {
      fprintf(stderr, "tlm: a bad workload override was not reported (state %u rc %d)\n",
              st.state, st.rc);
      failures++;
    }
    sc_stop();
  }
  SC_CTOR(Cpu) : socket("socket") { SC_THREAD(main_thread); }
};

int sc_main(int argc, char **argv) {
  Cpu cpu("cpu");
  attnsim_tlm acc("attnsim");
  sc_signal<bool> irq;
  cpu.socket.bind(acc.socket);
  acc.irq(irq);
  cpu.irq(irq);
  std::vector<const char *> pos;  // positional arguments; tests/run.sh adds --jobs N
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--jobs") == 0) i++;
    else pos.push_back(argv[i]);
  }
  snprintf(cpu.cmd.config, sizeof cpu.cmd.config, "%s",
           pos.size() > 0 ? pos[0] : "configs/spatten.yaml");
  snprintf(cpu.cmd.workload, sizeof cpu.cmd.workload, "%s",
           pos.size() > 1 ? pos[1] : "workloads/bert-base.yaml");
  for (size_t i = 2; i < pos.size() && cpu.cmd.nwset < ATTNSIM_MAX_SETS; i++)
    snprintf(cpu.cmd.wset[cpu.cmd.nwset++], sizeof cpu.cmd.wset[0], "%s", pos[i]);
  if (pos.size() <= 2)
    snprintf(cpu.cmd.wset[cpu.cmd.nwset++], sizeof cpu.cmd.wset[0], "prefill.tokens=64");
  sc_start();
  fflush(stdout);
  fprintf(stderr, "[====] Synthesis: Tested: 2 | Passing: %d | Failing: %d | Crashing: 0 \n",
          cpu.failures ? 0 : 2, cpu.failures ? 2 : 0);
  return cpu.failures ? 1 : 0;
}
