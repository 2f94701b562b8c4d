#!/bin/sh
# rtl_models/report.sh BIN... - run each RTL testbench (and the SystemC
# co-simulation) and print one table: per block, transactions, functional
# and timing mismatches, the RTL's cycles and the simulator's cycles for
# the same transactions. Exit 1 if any block mismatches or fails.
# Environment as for the testbenches (ATTNSIM_RTL_TX, ATTNSIM_RTL_SEED).
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
fmt='%-12s %12s %11s %11s %14s %14s  %s\n'
printf "$fmt" block transactions mismatches timing "rtl cycles" "sim cycles" cycles
status=0
for bin in "$@"; do
  line=$("$bin" 2>/dev/null | grep '^rtl-report:'); rc=$?
  [ -n "$line" ] || { echo "$(basename "$bin"): no report (exit $rc)"; status=1; continue; }
  eval "$(echo "$line" | sed 's/^rtl-report://; s/ HUNG$//' | tr ' ' '\n' | grep = | sed 's/^/r_/')"
  agree=equal; [ "$r_rtl_cycles" = "$r_sim_cycles" ] || agree=DIFFER
  [ "$r_mismatches" = 0 ] && [ "$r_timing_mismatches" = 0 ] && [ "$agree" = equal ] || status=1
  case "$line" in *HUNG*) agree="$agree (hung)"; status=1;; esac
  printf "$fmt" "$r_block" "$r_tx" "$r_mismatches" "$r_timing_mismatches" "$r_rtl_cycles" \
    "$r_sim_cycles" "$agree"
done
exit $status
