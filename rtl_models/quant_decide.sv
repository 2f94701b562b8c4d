// quant_decide.sv - SpAtten's progressive-quantization decision: a query
// refetches its keys' low bits iff refetch is enabled and its largest
// probability is below the threshold, compared as
// (pmax << (16 - PB)) < thr16 (docs/spatten.md; sched_refetch in
// common/schedule.h).
//
// It watches a row of probabilities stream past, U per beat, and answers
// with the row's last beat, in the same cycle: out_valid = in_valid &&
// in_last, so the last beat waits for out_ready. No cycle is added: the
// decision leaves with the last probability, as the simulator sets the
// predicate when SMAX completes. softmax_unit.sv instantiates it on its
// output stream (out_ready tied high).
`default_nettype none

module quant_decide #(
    parameter int U  /*verilator public*/ = 16,  // probabilities per beat (softmax.units)
    parameter int PB /*verilator public*/ = 12   // probability bits (datapath.prob_bits), <= 16
) (
    input  wire                     clk,
    input  wire                     rst,           // synchronous, active high
    input  wire                     in_valid,
    output logic                    in_ready,
    input  wire  [U*PB-1:0]         in_p,
    input  wire  [$clog2(U+1)-1:0]  in_cnt,        // valid lanes, from lane 0
    input  wire                     in_last,       // last beat of the row
    input  wire  [15:0]             in_thr16,      // threshold x 2^16 (sampled with the last beat)
    input  wire                     in_refetch_en, // the layer can refetch
    output logic                    out_valid,
    input  wire                     out_ready,
    output logic [PB-1:0]           out_pmax,
    output logic                    out_refetch
);
  localparam int CW = $clog2(U + 1);
  if (PB > 16) begin : g_bad
    $error("quant_decide: PB must be at most 16");
  end

  logic [PB-1:0] run_max;  // largest probability of the row's earlier beats
  logic [PB-1:0] pmax;
  always_comb begin
    pmax = run_max;
    for (int l = 0; l < U; l++)
      if (CW'(l) < in_cnt && in_p[l*PB +: PB] > pmax) pmax = in_p[l*PB +: PB];
  end

  assign out_valid = in_valid && in_last;
  assign in_ready = !in_last || out_ready;
  assign out_pmax = pmax;
  assign out_refetch = in_refetch_en && (32'(pmax) << (16 - PB)) < 32'(in_thr16);

  always_ff @(posedge clk)
    if (rst) run_max <= '0;
    else if (in_valid && in_ready) run_max <= in_last ? '0 : pmax;
endmodule

`default_nettype wire
