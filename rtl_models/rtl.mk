# rtl_models/rtl.mk - the RTL models' lint, Verilator testbenches, SystemC
# co-simulation and TLM-2.0 example (included by the Makefile). Targets:
#   make rtl-build     every testbench and SystemC program (build/rtl/)
#   make rtl-lint      verilator --lint-only -Wall over every block
#   make rtl-test      lint, then every testbench: the suite's summary lines
#   make rtl-report    per block: transactions, mismatches, RTL and simulator cycles
#   make rtl-synth     Yosys cell counts and area beside the model's, per
#                      block (build/rtl/synth.txt; RTL_SYNTH=blocks)
#   make wave BLOCK=b  an FST waveform of a short run (b: topk zero_elim qk
#                      softmax quant) in build/rtl/b.fst
# Variables: RTL_TX=N transactions per testbench (default 10000; 1000000
# for a long run), RTL_SEED, RTL_CONFIG (the hardware config the RTL is
# parameterised from), RTL_HEAD_DIM (Q x K array and softmax).
#
# Build layout: the Verilator runtime is compiled once into
# build/rtl/libverilated.a and linked by every testbench; each block is
# verilated into build/rtl/<block>/ and only its model archive is built
# there (OPT_FAST reaches the model only through that sub-make); the
# testbench is compiled and linked here against the archive, the runtime
# and libattnsim.a (the C references, compiled as C).
RTL_CONFIG   ?= configs/spatten.yaml
RTL_HEAD_DIM ?= 64
RTL_TX       ?=
RTL_SEED     ?= 1
RTL_BUILD    := $(BUILD)/rtl
RTL_GEN      := $(RTL_BUILD)/gen
VERILATOR    ?= verilator
RTL_CXX      ?= g++
VL_ROOT       = $(shell $(VERILATOR) --getenv VERILATOR_ROOT)
VL_DEFS      := -DVM_COVERAGE=0 -DVM_SC=0 -DVM_TRACE=1 -DVM_TRACE_FST=1 -DVM_TRACE_VCD=0
VL_INC        = -I$(VL_ROOT)/include -I$(VL_ROOT)/include/vltstd
RTL_CXXFLAGS := -std=gnu++17 -O2 -Wall -Wno-unused-parameter
RTL_LIBS     := $(LDLIBS) -lz -pthread
RTL_INC      := -Icommon -Isim -Isim/op -Imech -Icompiler -Igolden

# block: top module, sources
RTL_BLOCKS       := zero_elim topk qk softmax quant
RTL_TOP_zero_elim := zero_elim
RTL_SRC_zero_elim := rtl_models/zero_elim.sv
RTL_TOP_topk      := topk_engine
RTL_SRC_topk      := rtl_models/topk_engine.sv rtl_models/zero_elim.sv
RTL_TOP_qk        := qk_array
RTL_SRC_qk        := rtl_models/qk_array.sv
RTL_TOP_softmax   := softmax_unit
RTL_SRC_softmax   := rtl_models/softmax_unit.sv rtl_models/quant_decide.sv
RTL_TOP_quant     := quant_decide
RTL_SRC_quant     := rtl_models/quant_decide.sv
# The Q x K array's loops span KPC x LANES multipliers (512 at SpAtten's
# size): unrolled they are 2 MB of C++ and 30 s of compile; kept as loops,
# 7 s and about as fast to run. The top-k engine needs its lane loops
# unrolled (array writes inside them).
RTL_VFLAGS_qk     := --unroll-count 4

RTL_TBS  := $(RTL_BLOCKS:%=$(RTL_BUILD)/tb_%)
RTL_SC   := $(RTL_BUILD)/cosim_topk $(RTL_BUILD)/tlm_example
RTL_ALL  := $(RTL_TBS) $(RTL_SC) $(RTL_BUILD)/synth_smoke

.PHONY: rtl-build rtl-lint rtl-test rtl-report rtl-synth wave
rtl-build: $(RTL_ALL)

# ---- parameters and tables from the config (rtl_gen, C) -------------------
# rtl_gen rewrites a .vc or the table only when its content changes, and
# make re-reads their times, so a C library change that relinks rtl_gen
# re-verilates nothing.
RTL_GEN_FILES := $(RTL_BLOCKS:%=$(RTL_GEN)/%.vc) $(RTL_GEN)/exp_lut.hex
$(RTL_BUILD)/rtl_gen: rtl_models/rtl_gen.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $< $(LIB) -o $@ $(LDFLAGS) $(LDLIBS)

$(RTL_GEN)/stamp: $(RTL_BUILD)/rtl_gen $(RTL_CONFIG) rtl_models/rtl.mk
	@mkdir -p $(RTL_GEN)
	$(RTL_BUILD)/rtl_gen $(RTL_CONFIG) $(RTL_HEAD_DIM) $(abspath $(RTL_GEN))
	@touch $@
$(RTL_GEN_FILES): $(RTL_GEN)/stamp ;

# ---- the Verilator runtime, once ---------------------------------------------
VL_RT := verilated verilated_dpi verilated_fst_c verilated_threads
$(RTL_BUILD)/vlrt/%.o:
	@mkdir -p $(dir $@)
	$(RTL_CXX) $(RTL_CXXFLAGS) -w $(VL_DEFS) $(VL_INC) -c $(VL_ROOT)/include/$*.cpp -o $@

$(RTL_BUILD)/libverilated.a: $(VL_RT:%=$(RTL_BUILD)/vlrt/%.o)
	@rm -f $@
	ar rcs $@ $^

# ---- per block: verilate, build the model archive, the testbench ---------------
# The testbench links the archive, the runtime and the library as
# prerequisites, so an edit on any side relinks (TOOLCHAIN.md pitfall 12);
# its object depends on the model's headers through the generated .mk.
RTL_VERILATE := $(VERILATOR) -Wall --x-assign unique --x-initial unique
define RTL_BLOCK_RULES
$(RTL_BUILD)/$(1)/V$(1).mk: $(RTL_SRC_$(1)) $(RTL_GEN)/$(1).vc $(if $(filter softmax,$(1)),$(RTL_GEN)/exp_lut.hex)
	@rm -rf $(RTL_BUILD)/$(1) && mkdir -p $(RTL_BUILD)/$(1)
	$(RTL_VERILATE) --cc --trace-fst $(RTL_VFLAGS_$(1)) -f $(RTL_GEN)/$(1).vc \
	  --top-module $(RTL_TOP_$(1)) --prefix V$(1) --Mdir $(RTL_BUILD)/$(1) $(abspath $(RTL_SRC_$(1)))

$(RTL_BUILD)/$(1)/V$(1)__ALL.a: $(RTL_BUILD)/$(1)/V$(1).mk
	+$(MAKE) --no-print-directory -s -C $(RTL_BUILD)/$(1) -f V$(1).mk OPT= OPT_FAST=-O2 \
	  OPT_SLOW=-O1 CXX=$(RTL_CXX) V$(1)__ALL.a

$(RTL_BUILD)/tb_$(1).o: rtl_models/tb/tb_$(1).cpp $(RTL_BUILD)/$(1)/V$(1).mk
	$(RTL_CXX) $(RTL_CXXFLAGS) -MMD -MP $(VL_DEFS) $(VL_INC) -I$(RTL_BUILD)/$(1) \
	  $(RTL_INC) -c $$< -o $$@

$(RTL_BUILD)/tb_$(1): $(RTL_BUILD)/tb_$(1).o $(RTL_BUILD)/$(1)/V$(1)__ALL.a \
    $(RTL_BUILD)/libverilated.a $(LIB)
	$(RTL_CXX) $$^ -o $$@ $(RTL_LIBS)
endef
$(foreach b,$(RTL_BLOCKS),$(eval $(call RTL_BLOCK_RULES,$(b))))

# ---- SystemC: the top-k co-simulation and the TLM-2.0 example ----------------
# The same runtime archive serves the SystemC model (verilated.cpp does not
# depend on VM_SC). SystemC 2.3.4 is built as C++17: compile as gnu++17.
$(RTL_BUILD)/sc_topk/Vsc_topk.mk: $(RTL_SRC_topk) $(RTL_GEN)/topk.vc
	@rm -rf $(RTL_BUILD)/sc_topk && mkdir -p $(RTL_BUILD)/sc_topk
	$(RTL_VERILATE) --sc -f $(RTL_GEN)/topk.vc --top-module topk_engine --prefix Vsc_topk \
	  --Mdir $(RTL_BUILD)/sc_topk $(abspath $(RTL_SRC_topk))

$(RTL_BUILD)/sc_topk/Vsc_topk__ALL.a: $(RTL_BUILD)/sc_topk/Vsc_topk.mk
	+$(MAKE) --no-print-directory -s -C $(RTL_BUILD)/sc_topk -f Vsc_topk.mk OPT= OPT_FAST=-O2 \
	  OPT_SLOW=-O1 CXX=$(RTL_CXX) Vsc_topk__ALL.a

$(RTL_BUILD)/cosim_topk.o: rtl_models/sc/cosim_topk.cpp $(RTL_BUILD)/sc_topk/Vsc_topk.mk
	$(RTL_CXX) $(RTL_CXXFLAGS) -MMD -MP -DVM_COVERAGE=0 -DVM_SC=1 -DVM_TRACE=0 $(VL_INC) \
	  -I$(RTL_BUILD)/sc_topk $(RTL_INC) -c $< -o $@

$(RTL_BUILD)/cosim_topk: $(RTL_BUILD)/cosim_topk.o $(RTL_BUILD)/sc_topk/Vsc_topk__ALL.a \
    $(RTL_BUILD)/libverilated.a $(LIB)
	$(RTL_CXX) $^ -o $@ $(RTL_LIBS) -lsystemc

$(RTL_BUILD)/sc/%.o: rtl_models/sc/%.cpp
	@mkdir -p $(dir $@)
	$(RTL_CXX) $(RTL_CXXFLAGS) -MMD -MP -Irtl_models/sc $(RTL_INC) -c $< -o $@

$(RTL_BUILD)/tlm_example: $(RTL_BUILD)/sc/tlm_example.o $(RTL_BUILD)/sc/attnsim_tlm.o $(LIB)
	$(RTL_CXX) $^ -o $@ $(LDLIBS) -lsystemc

-include $(RTL_BLOCKS:%=$(RTL_BUILD)/tb_%.d) $(RTL_BUILD)/cosim_topk.d \
  $(RTL_BUILD)/sc/tlm_example.d $(RTL_BUILD)/sc/attnsim_tlm.d

# ---- lint ----------------------------------------------------------------------
# Each block with the config's parameters, then the generate branches the
# config does not take (M < D with a deeper pipeline, the combinational
# zero eliminator, odd sizes).
RTL_LINT_EXTRA := "qk_array -GM=32 -GMULT_LAT=2 -GADD_LAT=2 rtl_models/qk_array.sv" \
  "zero_elim -GREG=0 -GN=5 rtl_models/zero_elim.sv" \
  "topk_engine -GP=3 -GMAXN=100 -GSW=7 $(RTL_SRC_topk)" \
  "softmax_unit -GU=3 -GMAXLEN=50 -GDIV_LAT=20 -GPB=16 -GF=3 $(RTL_SRC_softmax)" \
  "softmax_unit -GDIV_LAT=1 -GMAX_LAT=2 -GEXP_LAT=3 $(RTL_SRC_softmax)"
rtl-lint: $(RTL_GEN_FILES)
	@$(foreach b,$(RTL_BLOCKS),$(VERILATOR) --lint-only -Wall -f $(RTL_GEN)/$(b).vc \
	  --top-module $(RTL_TOP_$(b)) $(RTL_SRC_$(b)) &&) true
	@for x in $(RTL_LINT_EXTRA); do set -- $$x; t=$$1; shift; \
	  $(VERILATOR) --lint-only -Wall --top-module $$t "$$@" || exit 1; done
	@echo "rtl-lint: $(RTL_BLOCKS): clean under verilator --lint-only -Wall"

# ---- running -----------------------------------------------------------------------
RTL_ENV = SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 ATTNSIM_RTL_SEED=$(RTL_SEED) $(if $(RTL_TX),ATTNSIM_RTL_TX=$(RTL_TX))

rtl-test: rtl-lint $(RTL_ALL) $(BIN)  # tlm_example checks its cycles against the CLI
	@$(RTL_ENV) sh tests/run.sh $(BUILD) $(RTL_ALL)

rtl-report: $(RTL_TBS) $(RTL_BUILD)/cosim_topk
	@$(RTL_ENV) sh rtl_models/report.sh $(RTL_TBS) $(RTL_BUILD)/cosim_topk

BLOCK ?= topk
wave: $(RTL_BUILD)/tb_$(BLOCK)
	@ATTNSIM_RTL_TX=20 ATTNSIM_RTL_WAVE=$(RTL_BUILD)/$(BLOCK).fst $(RTL_BUILD)/tb_$(BLOCK) \
	  >/dev/null 2>$(RTL_BUILD)/wave.log || { cat $(RTL_BUILD)/wave.log; exit 1; }
	@echo "wrote $(RTL_BUILD)/$(BLOCK).fst (20 transactions; gtkwave $(RTL_BUILD)/$(BLOCK).fst)"

# ---- synthesis: Yosys generic cells, area beside the model's --------------------
# Slow for the big blocks on this machine (softmax 14 min, 2 GB): pick
# blocks with RTL_SYNTH. The suite runs only the zero eliminator's flow.
RTL_SYNTH ?= $(RTL_BLOCKS)
RTL_SYNTH_WL ?= workloads/gpt2-small.yaml
rtl-synth: $(RTL_GEN_FILES) $(BIN)
	@$(BIN) run --config $(RTL_CONFIG) --workload $(RTL_SYNTH_WL) --json $(RTL_BUILD)/synth_model.json >/dev/null
	@python3 rtl_models/synth.py --gen $(RTL_GEN) --model $(RTL_BUILD)/synth_model.json \
	  --config $(RTL_CONFIG) --out $(RTL_BUILD)/synth.txt --work $(RTL_BUILD)/synth \
	  $(foreach b,$(RTL_SYNTH),$(b):$(RTL_TOP_$(b)):$(subst $(eval) ,$(comma),$(RTL_SRC_$(b))))

comma := ,
$(RTL_BUILD)/synth_smoke: rtl_models/synth_smoke.sh $(RTL_GEN_FILES)
	@mkdir -p $(dir $@)
	sed -e 's|@GEN@|$(RTL_GEN)|' -e 's|@CONFIG@|$(RTL_CONFIG)|' -e 's|@WORK@|$(RTL_BUILD)/synth_smoke.d|' $< > $@
	chmod +x $@
