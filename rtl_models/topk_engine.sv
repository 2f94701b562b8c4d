// topk_engine.sv - SpAtten's top-k engine: quick-select over P parallel
// comparators with zero eliminators (docs/spatten.md, "The top-k engine").
//
// A transaction: a command (n candidates, keep k), then ceil(n/P) beats of
// P scores (lane l of beat b is candidate b*P + l), then the kept indices
// in ascending order, up to P per beat, one beat per P candidates, the last
// beat flagged. The tie rule: a beats b iff a.score > b.score, or the
// scores are equal and a.index < b.index; the rounds compare scores only
// and the final pass applies the index order to the k-th score's ties.
//
// Busy cycles after the last score beat, exactly as topk_run counts them
// (sim/topk.c), not counting cycles the output is held back (out_valid and
// not out_ready):
//   k = 0        1 cycle (S_ZERO: one empty last beat)
//   0 < k < n    per round ceil(m/P) + 2: S_PIVOT (read the score of
//                c[floor(m/2)]), ceil(m/P) S_STREAM cycles, S_DRAIN (the
//                last beat's compaction; the next round is chosen); then
//                the final pass
//   k >= n       the final pass only: S_THR (threshold read), ceil(n/P)
//                S_FINAL cycles, S_FDRAIN (the last beat leaves)
// A round streams the candidates c[0..m) through the comparators into a
// stage register; the zero eliminators pack those scoring above the pivot
// into L and those scoring below it into R of the other candidate buffer,
// both in candidate order; those scoring equal (the pivot among them) are
// counted and dropped, as in SpAtten's QuickSelect. If the k-th best score
// is the pivot's, it becomes the threshold t and keq = k - |L| of its ties
// are kept. L grows up from entry 0, R down from entry MAXN-1 (read back in
// reverse, so R keeps candidate order too): |L| + |R| < m, so one buffer of
// MAXN entries holds both. The final pass keeps the candidates above t and
// the first keq equal to t in index order (a running count plus a prefix
// count across the beat's lanes). The first round reads the identity
// 0..n-1 and needs no buffer. A command with n = 0 (never issued: every
// TOPK has candidates) is answered like k = 0, in 1 cycle.
`default_nettype none

module topk_engine #(
    parameter int P    /*verilator public*/ = 16,    // comparators (topk.parallelism)
    parameter int MAXN /*verilator public*/ = 1024,  // most candidates per transaction
    parameter int SW   /*verilator public*/ = 32     // score bits, signed
) (
    input  wire                             clk,
    input  wire                             rst,        // synchronous, active high
    input  wire                             cmd_valid,
    output logic                            cmd_ready,
    input  wire  [$clog2(MAXN+1)-1:0]       cmd_n,      // candidates, 1..MAXN
    input  wire  [$clog2(MAXN+1)-1:0]       cmd_k,      // 0: keep none; >= n: keep all
    input  wire                             in_valid,
    output logic                            in_ready,
    input  wire  [P*SW-1:0]                 in_score,
    output logic                            out_valid,
    input  wire                             out_ready,
    output logic [P*$clog2(MAXN)-1:0]       out_idx,    // packed low, ascending
    output logic [$clog2(P+1)-1:0]          out_cnt,
    output logic                            out_last
);
  localparam int IW = $clog2(MAXN);          // candidate index
  localparam int NW = $clog2(MAXN + 1);      // candidate count
  localparam int PW = $clog2(MAXN + P + 1);  // stream position (may pass MAXN)
  localparam int CW = $clog2(P + 1);         // lanes in a beat

  typedef enum logic [3:0] {
    S_IDLE, S_LOAD, S_ZERO, S_PIVOT, S_STREAM, S_DRAIN, S_THR, S_FINAL, S_FDRAIN
  } state_t;
  state_t state;

  logic signed [SW-1:0] score_mem[MAXN];  // scores by candidate index
  logic [IW-1:0] cand[2][MAXN];           // candidate buffers: L up, R down

  logic [NW-1:0] n_r;       // candidates of the transaction
  logic [NW-1:0] k_r;       // rank sought among the current candidates
  logic [NW-1:0] m_r;       // current candidates
  logic [PW-1:0] pos_r;     // next load / stream position
  logic [NW-1:0] wl_r, wr_r;  // entries written to L and R this round
  logic src_ident;          // first round: candidate j is index j
  logic src_buf, src_dir;   // buffer read; 1: R region (entry MAXN-1-j)
  logic keep_all;           // final pass keeps every candidate
  logic signed [SW-1:0] piv_s;  // the round's pivot score, then the k-th best score t
  logic [NW-1:0] ne_r;      // candidates equal to the pivot this round
  logic [NW-1:0] keq_r;     // final pass: ties of t still to keep

  // stage register between the comparators and the zero eliminators
  logic st_valid, st_last;
  logic [P*IW-1:0] st_idx;
  logic [P-1:0] st_lo, st_hi;  // above the pivot / below it (final: kept)
  logic [P-1:0] st_eq;         // equal to the pivot

  // ---- candidate reads --------------------------------------------------
  // entry of candidate j of a region (j < MAXN for every valid lane)
  function automatic logic [IW-1:0] phys(input logic [IW-1:0] j, input logic dir);
    phys = dir ? IW'(MAXN - 1) - j : j;
  endfunction

  function automatic logic [IW-1:0] cand_at(input logic [IW-1:0] j);
    cand_at = src_ident ? j : cand[src_buf][phys(j, src_dir)];
  endfunction

  function automatic logic [CW-1:0] popcount(input logic [P-1:0] b);
    logic [CW-1:0] c;
    c = '0;
    for (int l = 0; l < P; l++) c = c + CW'(b[l]);
    popcount = c;
  endfunction

  wire final_pass = state == S_FINAL;
  wire streaming = state == S_STREAM || final_pass;
  wire [PW-1:0] stream_end = final_pass ? PW'(n_r) : PW'(m_r);
  wire last_beat = pos_r + PW'(P) >= stream_end;
  // the output holds the stage back only in the final pass
  wire out_hold = st_valid && (state == S_FINAL || state == S_FDRAIN) && !out_ready;
  wire st_adv = !out_hold;

  logic [P*IW-1:0] lane_idx;
  logic [P-1:0] lane_lo, lane_hi, lane_eq;
  always_comb begin
    logic [NW-1:0] ties;  // final pass: ties of t in earlier lanes of the beat
    ties = '0;
    for (int l = 0; l < P; l++) begin
      logic [PW-1:0] j;
      logic [IW-1:0] ix;
      logic signed [SW-1:0] s;
      logic v;
      j = pos_r + PW'(l);
      v = j < stream_end;
      ix = final_pass ? IW'(j) : cand_at(IW'(j));
      s = score_mem[ix];
      lane_idx[l*IW +: IW] = ix;
      lane_eq[l] = v && s == piv_s;
      if (final_pass) begin  // above t, or one of the first keq ties of t
        lane_lo[l] = v && (keep_all || s > piv_s || (lane_eq[l] && ties < keq_r));
        lane_hi[l] = 1'b0;
        ties = ties + NW'(lane_eq[l]);
      end else begin
        lane_lo[l] = v && s > piv_s;
        lane_hi[l] = v && s < piv_s;
      end
    end
  end

  // ---- zero eliminators -------------------------------------------------
  logic [P*IW-1:0] lo_idx, hi_idx;
  logic [CW-1:0] lo_cnt, hi_cnt;
  logic unused_lo_rdy, unused_lo_v, unused_hi_rdy, unused_hi_v;  // combinational instances
  zero_elim #(.N(P), .DW(IW), .REG(0)) u_ze_lo (
      .clk, .rst, .in_valid(1'b1), .in_ready(unused_lo_rdy), .in_mask(st_lo), .in_data(st_idx),
      .out_valid(unused_lo_v), .out_ready(1'b1), .out_data(lo_idx), .out_cnt(lo_cnt));
  zero_elim #(.N(P), .DW(IW), .REG(0)) u_ze_hi (
      .clk, .rst, .in_valid(1'b1), .in_ready(unused_hi_rdy), .in_mask(st_hi), .in_data(st_idx),
      .out_valid(unused_hi_v), .out_ready(1'b1), .out_data(hi_idx), .out_cnt(hi_cnt));

  wire [NW-1:0] nl = wl_r + NW'(lo_cnt);  // |L| once the stage is written
  wire [NW-1:0] nr = wr_r + NW'(hi_cnt);
  wire [NW-1:0] ne = ne_r + NW'(popcount(st_eq));  // ties of the pivot, likewise
  wire dst_buf = src_ident ? 1'b0 : !src_buf;

  // ---- ports --------------------------------------------------------------
  assign cmd_ready = state == S_IDLE;
  assign in_ready = state == S_LOAD;
  assign out_valid = state == S_ZERO || (st_valid && (state == S_FINAL || state == S_FDRAIN));
  assign out_idx = state == S_ZERO ? '0 : lo_idx;
  assign out_cnt = state == S_ZERO ? '0 : lo_cnt;
  assign out_last = state == S_ZERO || st_last;

  // ---- control ------------------------------------------------------------
  always_ff @(posedge clk) begin
    if (rst) begin
      state <= S_IDLE;
      st_valid <= 1'b0;
    end else begin
      if (st_adv) begin  // the stage takes this cycle's beat (or a bubble)
        st_valid <= streaming;
        st_last <= streaming && last_beat;
        st_idx <= lane_idx;
        st_lo <= lane_lo;
        st_hi <= lane_hi;
        st_eq <= lane_eq;
      end
      if (st_valid && !(state == S_FINAL || state == S_FDRAIN)) begin  // L, R written
        wl_r <= nl;
        wr_r <= nr;
        ne_r <= ne;
      end
      unique case (state)
        S_IDLE:
          if (cmd_valid) begin
            n_r <= cmd_n;
            k_r <= cmd_k;
            pos_r <= '0;
            state <= cmd_n == '0 ? S_ZERO : S_LOAD;
          end
        S_LOAD:
          if (in_valid) begin
            pos_r <= pos_r + PW'(P);
            if (pos_r + PW'(P) >= PW'(n_r)) begin
              m_r <= n_r;
              src_ident <= 1'b1;
              src_buf <= 1'b0;
              src_dir <= 1'b0;
              keep_all <= k_r >= n_r;
              state <= k_r == '0 ? S_ZERO : k_r >= n_r ? S_THR : S_PIVOT;
            end
          end
        S_ZERO: if (out_ready) state <= S_IDLE;
        S_PIVOT: begin
          piv_s <= score_mem[cand_at(IW'(m_r >> 1))];
          pos_r <= '0;
          wl_r <= '0;
          wr_r <= '0;
          ne_r <= '0;
          state <= S_STREAM;
        end
        S_STREAM: begin
          pos_r <= pos_r + PW'(P);
          if (last_beat) state <= S_DRAIN;
        end
        S_DRAIN: begin  // the stage holds the round's last beat
          src_ident <= 1'b0;
          src_buf <= dst_buf;
          if (k_r <= nl) begin
            m_r <= nl;
            src_dir <= 1'b0;
            state <= S_PIVOT;
          end else if (k_r <= nl + ne) begin
            keq_r <= k_r - nl;  // the pivot's score is the k-th best
            state <= S_THR;
          end else begin
            k_r <= k_r - nl - ne;
            m_r <= nr;
            src_dir <= 1'b1;
            state <= S_PIVOT;
          end
        end
        S_THR: begin
          pos_r <= '0;
          state <= S_FINAL;
        end
        S_FINAL:
          if (st_adv) begin
            keq_r <= keq_r - NW'(popcount(lane_lo & lane_eq));  // ties kept this beat
            pos_r <= pos_r + PW'(P);
            if (last_beat) state <= S_FDRAIN;
          end
        S_FDRAIN: if (st_valid && out_ready) state <= S_IDLE;
        default: state <= S_IDLE;
      endcase
    end
  end

  // ---- memories -------------------------------------------------------------
  always_ff @(posedge clk) begin
    if (state == S_LOAD && in_valid)
      for (int l = 0; l < P; l++)
        if (pos_r + PW'(l) < PW'(n_r)) score_mem[IW'(pos_r + PW'(l))] <= in_score[l*SW +: SW];
    if (st_valid && !(state == S_FINAL || state == S_FDRAIN)) begin
      for (int j = 0; j < P; j++) begin
        if (CW'(j) < lo_cnt) cand[dst_buf][IW'(wl_r) + IW'(j)] <= lo_idx[j*IW +: IW];
        if (CW'(j) < hi_cnt) cand[dst_buf][phys(IW'(wr_r) + IW'(j), 1'b1)] <= hi_idx[j*IW +: IW];
      end
    end
  end

endmodule

`default_nettype wire
