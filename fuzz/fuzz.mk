# fuzz/fuzz.mk - libFuzzer targets for every parser (included by the
# Makefile). Targets:
#   make fuzz FUZZ_SECONDS=N   each target N seconds (default 60) on a
#                              scratch copy of fuzz/corpus/<target>/
#   make fuzz-smoke            each target FUZZ_SMOKE_SECONDS (default 20),
#                              then every fuzz/regressions/<target>/ file once
#   make fuzz-build            build build-fuzz/fuzz_<target> only
# Both runs print one line per target and exit non-zero on a crash, hang,
# leak or sanitizer report; artifacts go to build-fuzz/crashes/, logs to
# build-fuzz/logs/. The library is compiled once, with clang and
# -fsanitize=fuzzer-no-link,address,undefined, into build-fuzz/libattnsim.a.
FUZZ_TARGETS := config workload trace asm npy sim csv spec json memtrace recost
FUZZ_BUILD   := build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -g -O1 $(WARN) $(FUZZ_SAN)

FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_LIB      := $(FUZZ_BUILD)/libattnsim.a
FUZZ_BINS     := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz fuzz-smoke fuzz-build clean-fuzz
fuzz-build: $(FUZZ_BINS)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP \
	  -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP \
	  $< $(FUZZ_LIB) -o $@ $(LDLIBS)

fuzz: $(FUZZ_BINS)
	@sh fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) fuzz $(FUZZ_TARGETS)

fuzz-smoke: $(FUZZ_BINS)
	@sh fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS) smoke $(FUZZ_TARGETS)

clean-fuzz:
	rm -rf $(FUZZ_BUILD)
clean: clean-fuzz

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_BINS:=.d)
