// zero_elim.sv - SpAtten's zero eliminator: packs the lanes whose mask bit
// is set into the lowest lanes, keeping their order (lane i lands at
// position popcount(mask[i-1:0])); lanes past the count read zero.
//
// REG = 0: combinational, valid and ready pass straight through (the top-k
// engine's instances, whose stage register sits in front). REG = 1: one
// output register with valid/ready, full throughput, one cycle of latency:
// the "compact/drain" cycle of TOPK_ROUND_OVERHEAD (sim/topk.h).
`default_nettype none

module zero_elim #(
    parameter int N   /*verilator public*/ = 16,  // lanes
    parameter int DW  /*verilator public*/ = 16,  // bits per lane
    parameter int REG /*verilator public*/ = 0    
) (
    input  wire                     clk,
    input  wire                     rst,        // synchronous, active high
    input  wire                     in_valid,
    output logic                    in_ready,
    input  wire  [N-1:0]            in_mask,
    input  wire  [N*DW-1:0]         in_data,
    output logic                    out_valid,
    input  wire                     out_ready,
    output logic [N*DW-1:0]         out_data,
    output logic [$clog2(N+1)-1:0]  out_cnt
);
  localparam int CW = $clog2(N + 1);

  logic [CW-1:0] pos[N];  // kept lanes before lane i (prefix popcount)
  logic [N*DW-1:0] packed_d;
  logic [CW-1:0] cnt;

  always_comb begin
    pos[0] = '0;
    for (int i = 1; i < N; i++) pos[i] = pos[i-1] + CW'(in_mask[i-1]);
    cnt = pos[N-1] + CW'(in_mask[N-1]);
  end

  // Output lane j takes the kept lane whose prefix count is j: a one-hot
  // select per output lane, depth log N, no lane depends on another.
  always_comb begin
    packed_d = '0;
    for (int j = 0; j < N; j++)
      for (int i = j; i < N; i++)
        if (in_mask[i] && pos[i] == CW'(j)) packed_d[j*DW +: DW] = in_data[i*DW +: DW];
  end

  if (REG != 0) begin : g_reg
    logic v;
    logic [N*DW-1:0] d;
    logic [CW-1:0] c;
    assign in_ready = !v || out_ready;
    always_ff @(posedge clk) begin
      if (rst) v <= 1'b0;
      else if (in_ready) v <= in_valid;
      if (in_ready) begin
        d <= packed_d;
        c <= cnt;
      end
    end
    assign out_valid = v;
    assign out_data = d;
    assign out_cnt = c;
  end else begin : g_comb
    wire unused_clk_rst = &{1'b0, clk, rst};
    assign in_ready = out_ready;
    assign out_valid = in_valid;
    assign out_data = packed_d;
    assign out_cnt = cnt;
  end
endmodule

`default_nettype wire
