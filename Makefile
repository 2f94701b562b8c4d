# attnsim - see README.md. Targets:
#   make / make all   build build/attnsim and build/libattnsim.a
#   make deps         install missing Debian packages (or print the apt-get line)
#   make run          the default study on the bundled configs and workloads
#   make test         every test (Criterion); make test-asan: same under
#                     ASan+UBSan; make test-valgrind: same under memcheck
#   make bench        simulated cycles per second, wall time; bench/results.txt
#   make fuzz         every parser under libFuzzer (fuzz/fuzz.mk)
#   make rtl-report   RTL blocks against the C models (rtl_models/rtl.mk);
#                     make wave BLOCK=topk: an FST waveform
CC      ?= cc
BUILD   ?= build
OPT     ?= -O3
CFLAGS  ?= $(OPT) -g
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -Icommon -Isim -Isim/op -Imech -Icompiler -Igolden \
            -Isweep -Ibaseline
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -MMD -MP
YAML_LIBS := -lyaml
LDLIBS  += $(YAML_LIBS) -lm

LIB_SRCS := $(sort $(wildcard common/*.c compiler/*.c sim/*.c sim/op/*.c mech/*.c golden/*.c \
                               sweep/*.c baseline/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_SRCS := $(sort $(wildcard tests/test_*.c))
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
LIB     := $(BUILD)/libattnsim.a
BIN     := $(BUILD)/attnsim

DEB_PKGS := verilator libsystemc-dev libyaml-dev libcriterion-dev pkg-config \
            clang libclang-rt-14-dev valgrind time parallel g++ zlib1g-dev \
            python3-numpy yosys

.PHONY: reproduce all deps run test test-asan test-valgrind bench clean
all: $(BIN) $(LIB)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

# the synthetic tensors' bits must not depend on the vector width or the
# target: no multiply-add contraction in the generator (common/tensor.c);
# no-trapping-math (values unchanged) lets its clamps vectorise; the same
# for fx_quant_row (common/fixed.c)
$(BUILD)/obj/common/tensor.o $(BUILD)/obj/common/fixed.o: \
  ALL_CFLAGS += -ffp-contract=off -fno-trapping-math

# the CPU baseline reports the optimisation it was built with
$(BUILD)/obj/baseline/cpu.o: CPPFLAGS += -DATTN_BUILD_OPT='"$(OPT)"'

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/obj/cli/attnsim.o $(LIB)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: tests/%.c tests/testutil.h tests/simrun.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) $< $(LIB) -o $@ $(LDFLAGS) \
	  -lcriterion $(LDLIBS)

# Install what is missing; without root, print the exact command instead.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" \
	    || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq $$missing >/dev/null || exit 1; \
	else \
	  echo "missing Debian packages; run:"; \
	  echo "  sudo apt-get install -y$$missing"; exit 1; \
	fi

run: deps
	@$(MAKE) --no-print-directory all
	@sh studies/default.sh $(BIN)

# SpAtten's study beside the paper's figures: results/spatten/
reproduce: deps
	@$(MAKE) --no-print-directory all
	@sh studies/reproduce.sh $(BIN) results/spatten

# The libFuzzer smoke run comes first so the suite's summary line is last;
# FUZZ_SMOKE=0 skips it (the sanitizer suite reruns the tests only).
# RTL_TEST=0 leaves out the RTL lint and testbenches (rtl_models/rtl.mk),
# which run in the suite like any test binary.
FUZZ_SMOKE ?= 1
RTL_TEST   ?= 1
test: deps
	@$(MAKE) --no-print-directory all $(TEST_BINS) $(if $(filter 1,$(RTL_TEST)),$(RTL_ALL))
	@if [ "$(RTL_TEST)" = 1 ]; then $(MAKE) --no-print-directory rtl-lint; fi
	@if [ "$(FUZZ_SMOKE)" = 1 ]; then $(MAKE) --no-print-directory fuzz-smoke; fi
	@$(RTL_ENV) sh tests/run.sh $(BUILD) $(TEST_BINS) $(if $(filter 1,$(RTL_TEST)),$(RTL_ALL))

SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
test-asan: deps
	@ATTNSIM_SANITIZED=1 $(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 FUZZ_SMOKE=0 RTL_TEST=0 \
	  EXTRA_CFLAGS="$(SANITIZE) $(EXTRA_CFLAGS)" \
	  LDFLAGS="-fsanitize=address,undefined" test

# Memcheck over the whole suite, the CLI runs the tests start included:
# any error or definite leak fails (exit 99).
VALGRIND := valgrind -q --trace-children=yes \
  --trace-children-skip='/bin/*,/usr/bin/*' --error-exitcode=99 \
  --leak-check=full --errors-for-leak-kinds=definite
test-valgrind: deps
	@$(MAKE) --no-print-directory all $(TEST_BINS)
	@RUNNER="$(VALGRIND)" ATTNSIM_UNDER_VALGRIND=1 sh tests/run.sh $(BUILD) $(TEST_BINS)

bench: deps
	@$(MAKE) --no-print-directory all
	@sh bench/bench.sh $(BIN) bench/results.txt

clean:
	rm -rf build build-asan

-include fuzz/fuzz.mk
-include rtl_models/rtl.mk
-include $(LIB_OBJS:.o=.d) $(BUILD)/obj/cli/attnsim.d
