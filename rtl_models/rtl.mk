# rtl_models/rtl.mk - the RTL models' lint, Verilator testbenches, SystemC
# co-simulation and TLM-2.0 example (included by the Makefile). Targets:
#   make rtl-build     every testbench and SystemC program (build/rtl/)
#   make rtl-lint      verilator --lint-only -Wall over every block
#   make rtl-test      lint, then every testbench: the suite's summary lines
#   make rtl-report    per block: transactions, mismatches, RTL and simulator cycles
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
RTL_INC      := -Icommon -Isim -Icompiler -Igolden
# The golden top-k becomes the top-k scoreboard's reference once it exists.
RTL_TB_DEFS  := $(if $(wildcard golden/spatten.c),-DHAVE_GOLD_TOPK)

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
RTL_ALL  := $(RTL_TBS) $(RTL_SC)

.PHONY: rtl-build rtl-lint rtl-test rtl-report wave
rtl-build: $(RTL_ALL)

# ---- parameters and tables from the config (rtl_gen, C) -------------------
$(RTL_BUILD)/rtl_gen: rtl_models/rtl_gen.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $< $(LIB) -o $@ $(LDFLAGS) $(LDLIBS)

$(RTL_GEN)/stamp: $(RTL_BUILD)/rtl_gen $(RTL_CONFIG)
	@mkdir -p $(RTL_GEN)
	$(RTL_BUILD)/rtl_gen $(RTL_CONFIG) $(RTL_HEAD_DIM) $(abspath $(RTL_GEN))
	@touch $@

# ---- the Verilator runtime, once ---------------------------------------------
VL_RT := verilated verilated_dpi verilated_fst_c verilated_threads
$(RTL_BUILD)/vlrt/%.o:
	@mkdir -p $(dir $@)
	$(RTL_CXX) $(RTL_CXXFLAGS) -w $(VL_DEFS) $(VL_INC) -c $(VL_ROOT)/include/$*.cpp -o $@

$(RTL_BUILD)/libverilated.a: $(VL_RT:%=$(RTL_BUILD)/vlrt/%.o)
	@rm -f $@
	ar rcs $@ $^

# ---- per block: verilate, build the model archive, link the testbench --------
# The model archive is a prerequisite of the testbench, and the library
# too, so an edit on either side relinks (TOOLCHAIN.md pitfall 12).
define RTL_BLOCK_RULES
$(RTL_BUILD)/$(1)/V$(1).mk: $(RTL_SRC_$(1)) $(RTL_GEN)/stamp
	@rm -rf $(RTL_BUILD)/$(1) && mkdir -p $(RTL_BUILD)/$(1)
	$(VERILATOR) --cc -Wall --trace-fst $(RTL_VFLAGS_$(1)) -f $(RTL_GEN)/$(1).vc --top-module $(RTL_TOP_$(1)) \
	  --prefix V$(1) --Mdir $(RTL_BUILD)/$(1) $(abspath $(RTL_SRC_$(1)))

$(RTL_BUILD)/$(1)/V$(1)__ALL.a: $(RTL_BUILD)/$(1)/V$(1).mk
	+$(MAKE) --no-print-directory -s -C $(RTL_BUILD)/$(1) -f V$(1).mk OPT= OPT_FAST=-O2 \
	  OPT_SLOW=-O1 CXX=$(RTL_CXX) V$(1)__ALL.a

$(RTL_BUILD)/tb_$(1): rtl_models/tb/tb_$(1).cpp rtl_models/tb/tb_common.h \
    $(RTL_BUILD)/$(1)/V$(1)__ALL.a $(RTL_BUILD)/libverilated.a $(LIB)
	$(RTL_CXX) $(RTL_CXXFLAGS) $(RTL_TB_DEFS) $(VL_DEFS) $(VL_INC) -I$(RTL_BUILD)/$(1) \
	  $(RTL_INC) $$< $(RTL_BUILD)/$(1)/V$(1)__ALL.a $(RTL_BUILD)/libverilated.a $(LIB) \
	  -o $$@ $(RTL_LIBS)
endef
$(foreach b,$(RTL_BLOCKS),$(eval $(call RTL_BLOCK_RULES,$(b))))

# ---- lint ------------------------------------------------------------------------
rtl-lint: $(RTL_GEN)/stamp
	@for b in $(RTL_BLOCKS); do \
	  case $$b in zero_elim) s="$(RTL_SRC_zero_elim)" t=zero_elim;; \
	    topk) s="$(RTL_SRC_topk)" t=topk_engine;; qk) s="$(RTL_SRC_qk)" t=qk_array;; \
	    softmax) s="$(RTL_SRC_softmax)" t=softmax_unit;; quant) s="$(RTL_SRC_quant)" t=quant_decide;; \
	  esac; \
	  $(VERILATOR) --lint-only -Wall -f $(RTL_GEN)/$$b.vc --top-module $$t $$s || exit 1; \
	done; echo "rtl-lint: $(RTL_BLOCKS): clean under verilator --lint-only -Wall"

# ---- running -----------------------------------------------------------------------
RTL_ENV = ATTNSIM_RTL_SEED=$(RTL_SEED) $(if $(RTL_TX),ATTNSIM_RTL_TX=$(RTL_TX))

rtl-test: rtl-lint $(RTL_ALL)
	@$(RTL_ENV) sh tests/run.sh $(BUILD) $(RTL_ALL)

rtl-report: $(RTL_TBS) $(RTL_BUILD)/cosim_topk
	@$(RTL_ENV) sh rtl_models/report.sh $(RTL_TBS) $(RTL_BUILD)/cosim_topk

BLOCK ?= topk
wave: $(RTL_BUILD)/tb_$(BLOCK)
	@ATTNSIM_RTL_TX=20 ATTNSIM_RTL_WAVE=$(RTL_BUILD)/$(BLOCK).fst $(RTL_BUILD)/tb_$(BLOCK) \
	  >/dev/null && echo "wrote $(RTL_BUILD)/$(BLOCK).fst (gtkwave $(RTL_BUILD)/$(BLOCK).fst)"
