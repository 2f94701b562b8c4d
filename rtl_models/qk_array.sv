// qk_array.sv - the Q x K array: M multipliers feeding adder reduction
// trees; one query row against n key rows (the QK instruction,
// sim/qk_array.c). Scores are exact integer dot products (common/fixed.h).
//
// M >= D: KPC = floor(M/D) keys per beat, one tree of D inputs per key.
// M <  D: a key takes CPK = ceil(D/M) beats of M elements (the last one
//         zero-padded); one tree of M inputs and an accumulator.
// Cycles (sim/timing.h), counted from the first key beat to the last
// score, not counting cycles the output is held back or the key stream
// starves mid-transaction:
//   occupancy  ceil(n / KPC) or n * CPK beats, one per cycle
//   depth      MULT_LAT + ADD_LAT * ceil(log2(min(D, M))) (+ ADD_LAT for
//              the accumulator when M < D)
// The pipeline has exactly `depth` register stages: the product register
// plus MULT_LAT-1 delays, per tree level an adder register plus ADD_LAT-1
// delays, then the accumulator (M < D) likewise; the last is the output.
// Any stall (out_valid and not out_ready) freezes every stage.
`default_nettype none

module qk_array #(
    parameter int W        /*verilator public*/ = 12,   // element bits (datapath.width)
    parameter int D        /*verilator public*/ = 64,   // head dimension
    parameter int M        /*verilator public*/ = 512,  // multipliers (qk_array.multipliers)
    parameter int MULT_LAT /*verilator public*/ = 1,    // arrays.mult_latency
    parameter int ADD_LAT  /*verilator public*/ = 1,    // arrays.adder_latency
    localparam int KPC = M >= D ? M / D : 1,            // keys per beat
    localparam int CPK = M >= D ? 1 : (D + M - 1) / M,  // beats per key
    localparam int LANES = M >= D ? D : M,              // multipliers per key per beat
    localparam int OW = 2 * W + $clog2(D + 1)           // score bits, signed
) (
    input  wire                       clk,
    input  wire                       rst,         // synchronous, active high
    input  wire                       in_valid,
    output logic                      in_ready,
    input  wire                       in_first,    // first beat: in_q is the query row
    input  wire                       in_last,     // last beat of the transaction
    input  wire  [D*W-1:0]            in_q,
    input  wire  [KPC*LANES*W-1:0]    in_k,        // key k's lane i at (k*LANES+i)*W
    input  wire  [$clog2(KPC+1)-1:0]  in_kcnt,     // keys in the beat (M >= D)
    output logic                      out_valid,
    input  wire                       out_ready,
    output logic [KPC*OW-1:0]         out_score,
    output logic [$clog2(KPC+1)-1:0]  out_cnt,
    output logic                      out_last
);
  localparam int LEVELS = $clog2(LANES);
  localparam bit ACC = M < D;
  localparam int NST = MULT_LAT + ADD_LAT * LEVELS + (ACC ? ADD_LAT : 0);
  localparam int KW = $clog2(KPC + 1);
  localparam int CCW = CPK > 1 ? $clog2(CPK) : 1;
  if (MULT_LAT < 1 || ADD_LAT < 1) begin : g_bad
    $error("qk_array: MULT_LAT and ADD_LAT must be at least 1 (a register per level)");
  end

  wire en = !(out_valid && !out_ready);  // a held output freezes every stage
  assign in_ready = en;
  wire fire = in_valid && en;

  // ---- the query row and the chunk being streamed (M < D) -------------------
  logic [D*W-1:0] q_r;
  logic [CCW-1:0] chunk;
  wire [D*W-1:0] q_now = in_first ? in_q : q_r;
  wire [CCW-1:0] chunk_now = in_first ? '0 : chunk;
  always_ff @(posedge clk)
    if (fire) begin
      if (in_first) q_r <= in_q;
      chunk <= CPK > 1 && chunk_now != CCW'(CPK - 1) ? chunk_now + 1'b1 : '0;
    end

  // ---- tags: valid, last beat, last chunk of a key, keys; one per stage -------
  logic [NST:1] vld, lst, ckl;
  logic [KW-1:0] cnt[1:NST];
  for (genvar s = 1; s <= NST; s++) begin : g_tag
    wire pv = s == 1 ? fire : vld[s-1];
    wire pl = s == 1 ? in_last : lst[s-1];
    wire pc = s == 1 ? chunk_now == CCW'(CPK - 1) : ckl[s-1];
    wire [KW-1:0] pn = s == 1 ? (ACC ? KW'(1) : in_kcnt) : cnt[s-1];
    always_ff @(posedge clk) begin
      if (rst) vld[s] <= 1'b0;
      else if (en) vld[s] <= pv;
      if (en) begin
        lst[s] <= pl;
        ckl[s] <= pc;
        cnt[s] <= pn;
      end
    end
  end

  // ---- level 0: products; levels 1..LEVELS: adder tree -----------------------
  // Level lv has N = ceil(LANES / 2^lv) nodes per key (key k's node j at
  // k*N+j). Its first register computes (products, or pairwise sums of the
  // level before), the next LAT-1 delay: g_reg[LAT-1].q is its output.
  for (genvar lv = 0; lv <= LEVELS; lv++) begin : g_lvl
    localparam int N = (LANES + (1 << lv) - 1) >> lv;
    localparam int LAT = lv == 0 ? MULT_LAT : ADD_LAT;
    for (genvar t = 0; t < LAT; t++) begin : g_reg
      logic [KPC*N*OW-1:0] q;  // node x at x*OW: flat, so copies are whole-vector
      if (t > 0) begin : g_dly
        always_ff @(posedge clk) if (en) q <= g_reg[t-1].q;
      end else if (lv == 0) begin : g_mul
        logic [KPC*N*OW-1:0] prod;
        always_comb
          for (int k = 0; k < KPC; k++)
            for (int i = 0; i < LANES; i++) begin : b_lane
              integer e;
              e = 32'(chunk_now) * LANES + i;  // element of the row
              prod[(k*N+i)*OW +: OW] = e < D ?
                  OW'($signed(q_now[e*W +: W]) * $signed(in_k[(k*LANES+i)*W +: W])) : '0;
            end
        always_ff @(posedge clk) if (en) q <= prod;
      end else begin : g_add  // node j = nodes 2j and 2j+1 of the level before
        localparam int PN = (LANES + (1 << (lv - 1)) - 1) >> (lv - 1);
        localparam int PL = lv == 1 ? MULT_LAT : ADD_LAT;
        logic [KPC*N*OW-1:0] sum2;
        always_comb
          for (int k = 0; k < KPC; k++)
            for (int j = 0; j < N; j++)
              sum2[(k*N+j)*OW +: OW] = g_lvl[lv-1].g_reg[PL-1].q[(k*PN+2*j)*OW +: OW] +
                  (2 * j + 1 < PN ? g_lvl[lv-1].g_reg[PL-1].q[(k*PN+2*j+1)*OW +: OW] : OW'(0));
        always_ff @(posedge clk) if (en) q <= sum2;
      end
    end
  end

  localparam int TL = LEVELS == 0 ? MULT_LAT : ADD_LAT;  // the tree's last level latency
  logic signed [OW-1:0] tree[KPC];  // one sum per key, NST - (ACC ? ADD_LAT : 0) stages in
  always_comb for (int k = 0; k < KPC; k++) tree[k] = g_lvl[LEVELS].g_reg[TL-1].q[k*OW +: OW];

  // ---- the accumulator (M < D): sums a key's chunks, valid on its last --------
  logic signed [OW-1:0] sum[KPC];
  if (ACC) begin : g_acc
    localparam int S0 = MULT_LAT + ADD_LAT * LEVELS;  // tags of the tree output
    logic signed [OW-1:0] acc, a_d[ADD_LAT];
    always_ff @(posedge clk) begin
      if (rst) acc <= '0;
      else if (en && vld[S0]) acc <= ckl[S0] ? '0 : acc + tree[0];
      if (en) a_d[0] <= acc + tree[0];
    end
    for (genvar t = 1; t < ADD_LAT; t++) begin : g_dly
      always_ff @(posedge clk) if (en) a_d[t] <= a_d[t-1];
    end
    assign sum[0] = a_d[ADD_LAT-1];
  end else begin : g_noacc
    always_comb for (int k = 0; k < KPC; k++) sum[k] = tree[k];
  end

  // with an accumulator a key's score is valid only on its last chunk
  wire unused_ckl = ckl[NST];
  assign out_valid = vld[NST] && (!ACC || ckl[NST]);
  assign out_last = lst[NST];
  assign out_cnt = cnt[NST];
  always_comb
    for (int k = 0; k < KPC; k++) out_score[k*OW +: OW] = sum[k];
endmodule

`default_nettype wire
