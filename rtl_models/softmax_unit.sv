// softmax_unit.sv - the softmax unit in the datapath's fixed point
// (common/fixed.h), U lanes, three passes over a row held in a row buffer
// (the SMAX instruction, sim/softmax.c):
//   pass 1  t = rsh(s * SCALE_Q16, 16 + F) into the buffer; m = max t
//   pass 2  e = fx_exp(t - m): z = -rsh((t - m) * LOG2E_Q16, 16),
//           e = LUT[z mod 2^F] >> (z div 2^F), LUT = fx_init's table
//           (loaded from LUT_FILE, written by rtl_gen from the C code);
//           e into the buffer; S = sum e
//   pass 3  p = min(2^PB - 1, floor((e * 2^PB + floor(S/2)) / S)) by a
//           restoring divider pipelined over DIV_LAT stages; the row's
//           largest p against the threshold (quant_decide) rides on its
//           last beat
// Cycles (sim/timing.h), B = ceil(len/U), counted from the first score
// beat, not counting cycles the output is held back or the score stream
// starves mid-row:
//   pass 1 issues B beats; pass 2 starts MAX_LAT cycles after pass 1's
//   last; pass 3 starts EXP_LAT cycles after pass 2's last; a pass-3 beat
//   leaves DIV_LAT cycles after it issues. So a row takes
//   3B + MAX_LAT + EXP_LAT (occupancy: the next row's first beat is taken
//   the cycle after pass 3's last issue) + DIV_LAT (depth).
// MAX_LAT >= 2 and EXP_LAT >= 3 cover the logic's own registers (scale
// product, then max tree; exp product, LUT and shift, lane sum, running
// sum); longer settings wait in the controller.
// Any stall (out_valid and not out_ready) freezes the whole unit.
`default_nettype none

module softmax_unit #(
    parameter int W         /*verilator public*/ = 12,    // element bits
    parameter int F         /*verilator public*/ = 8,     // fraction bits of t (datapath.frac_bits)
    parameter int PB        /*verilator public*/ = 12,    // probability bits (datapath.prob_bits)
    parameter int D         /*verilator public*/ = 64,    // head dimension (score width, scale)
    parameter int U         /*verilator public*/ = 16,    // lanes (softmax.units)
    parameter int MAXLEN    /*verilator public*/ = 1024,  // longest row
    parameter int MAX_LAT   /*verilator public*/ = 4,     // softmax.max_latency
    parameter int EXP_LAT   /*verilator public*/ = 8,     // softmax.exp_latency
    parameter int DIV_LAT   /*verilator public*/ = 12,    // softmax.div_latency
    parameter int SCALE_Q16 /*verilator public*/ = 8192,  // round(2^16 / sqrt(D)), from fx_init
    parameter        LUT_FILE = "exp_lut.hex",             // 2^F entries, hex, from rtl_gen
    localparam int SW = 2 * W + $clog2(D + 1)              // score bits (qk_array's OW)
) (
    input  wire                     clk,
    input  wire                     rst,           // synchronous, active high
    input  wire                     in_valid,
    output logic                    in_ready,
    input  wire  [U*SW-1:0]         in_s,          // raw scores (Q.K)
    input  wire  [$clog2(U+1)-1:0]  in_cnt,        // valid lanes: U but in the last beat
    input  wire                     in_last,
    input  wire  [15:0]             in_thr16,      // quantization threshold of the row
    input  wire                     in_refetch_en,
    output logic                    out_valid,
    input  wire                     out_ready,
    output logic [U*PB-1:0]         out_p,
    output logic [$clog2(U+1)-1:0]  out_cnt,
    output logic                    out_last,
    output logic [PB-1:0]           out_pmax,      // with out_last: the row's largest p
    output logic                    out_refetch    // with out_last: refetch decision
);
  localparam int CW = $clog2(U + 1);
  localparam int LW = $clog2(MAXLEN + U + 1);  // row positions
  localparam int AW = $clog2(MAXLEN);          // buffer address
  localparam int EW = 17;                      // e in Q0.16, <= 2^16
  localparam int BW = SW > EW ? SW : EW;       // buffer entry: t, then e
  localparam int XW = SW + 1 + 18;             // (t - m) * LOG2E_Q16
  localparam int SB = EW + $clog2(MAXLEN);     // S <= MAXLEN * 2^16
  localparam int QB = PB + 1;                  // quotient bits: p <= 2^PB before the clamp
  localparam int RW = (EW + PB > SB ? EW + PB : SB) + QB + 1;  // remainder and S << i
  localparam int IPS = (QB + DIV_LAT - 1) / DIV_LAT;           // quotient bits per stage
  localparam int LOG2E_Q16 = 94548;            // FX_LOG2E_Q16
  localparam int TCW = 8;                      // wait counter

  if (MAX_LAT < 2 || EXP_LAT < 3 || DIV_LAT < 1 || MAX_LAT > 255 || EXP_LAT > 255)
    begin : g_bad
    $error("softmax_unit: needs 2 <= MAX_LAT, 3 <= EXP_LAT (both < 256), 1 <= DIV_LAT");
  end

  logic [EW-1:0] lut[1 << F];
  initial $readmemh(LUT_FILE, lut);

  logic [BW-1:0] rowbuf[MAXLEN];

  typedef enum logic [2:0] {S_P1, S_W1, S_P2, S_W2, S_P3} state_t;
  state_t state;
  logic [TCW-1:0] wait_r;
  logic [LW-1:0] len_r;   // row length (pass 1 counts it)
  logic [LW-1:0] rd_r;    // next beat's position, passes 2 and 3
  logic [15:0] thr_r;
  logic rfen_r;
  logic signed [SW-1:0] m_r;  // running max of t
  logic [SB-1:0] sum_r;       // running sum of e

  wire en = !(out_valid && !out_ready);  // a held output freezes the unit
  assign in_ready = en && state == S_P1;
  wire fire1 = in_valid && in_ready;
  wire issue2 = en && state == S_P2;
  wire issue3 = en && state == S_P3;
  wire last_issue = rd_r + LW'(U) >= len_r;

  // ---- controller -----------------------------------------------------------
  always_ff @(posedge clk) begin
    if (rst) begin
      state <= S_P1;
      len_r <= '0;
    end else if (en) begin
      unique case (state)
        S_P1:
          if (fire1) begin
            len_r <= len_r + LW'(in_cnt);
            thr_r <= in_thr16;
            rfen_r <= in_refetch_en;
            if (in_last) begin
              wait_r <= TCW'(MAX_LAT - 1);
              state <= S_W1;
            end
          end
        S_W1:
          if (wait_r == '0) begin
            rd_r <= '0;
            state <= S_P2;
          end else wait_r <= wait_r - 1'b1;
        S_P2: begin
          rd_r <= rd_r + LW'(U);
          if (last_issue) begin
            wait_r <= TCW'(EXP_LAT - 1);
            state <= S_W2;
          end
        end
        S_W2:
          if (wait_r == '0) begin
            rd_r <= '0;
            state <= S_P3;
          end else wait_r <= wait_r - 1'b1;
        S_P3: begin
          rd_r <= rd_r + LW'(U);
          if (last_issue) begin
            len_r <= '0;
            state <= S_P1;
          end
        end
        default: state <= S_P1;
      endcase
    end
  end

  // ---- pass 1: scale, store t, max ------------------------------------------
  logic a1_v, a1_first;
  logic [LW-1:0] a1_base;
  logic [CW-1:0] a1_cnt;
  logic signed [SW+18-1:0] a1_x[U];  // s * SCALE_Q16
  logic a2_v, a2_first;
  logic signed [SW-1:0] a2_max;

  function automatic logic signed [SW-1:0] scale_rsh(input logic signed [SW+18-1:0] x);
    /* verilator lint_off UNUSEDSIGNAL */  // high bits: sign copies
    logic signed [SW+18-1:0] r;
    /* verilator lint_on UNUSEDSIGNAL */
    r = (x + (SW + 18)'(1 << (15 + F))) >>> (16 + F);  // fx_rsh: floor(x/2^n + 1/2)
    scale_rsh = r[SW-1:0];  // |t| <= |s| / 2^F + 1: the high bits are sign copies
  endfunction

  always_ff @(posedge clk)
    if (rst) begin
      a1_v <= 1'b0;
      a2_v <= 1'b0;
    end else if (en) begin
      a1_v <= fire1;
      a1_first <= len_r == '0;
      a1_base <= len_r;
      a1_cnt <= in_cnt;
      for (int l = 0; l < U; l++)
        a1_x[l] <= (SW + 18)'($signed(in_s[l*SW +: SW])) * (SW + 18)'(SCALE_Q16);
      a2_v <= a1_v;
      a2_first <= a1_first;
      if (a1_v) begin
        logic signed [SW-1:0] bmax;
        bmax = scale_rsh(a1_x[0]);  // lane 0 is always valid
        for (int l = 1; l < U; l++)
          if (CW'(l) < a1_cnt && scale_rsh(a1_x[l]) > bmax) bmax = scale_rsh(a1_x[l]);
        a2_max <= bmax;
      end
      if (a2_v) m_r <= a2_first || a2_max > m_r ? a2_max : m_r;
    end

  // ---- pass 2: exp by table, store e, sum -------------------------------------
  logic b1_v, b1_first;
  logic [LW-1:0] b1_base;
  logic [U-1:0] b1_mask;
  logic signed [XW-1:0] b1_x[U];  // (t - m) * LOG2E_Q16
  logic b2_v, b2_first;
  logic [EW-1:0] b2_e[U];         // 0 in lanes past the row
  logic b3_v, b3_first;
  logic [SB-1:0] b3_sum;

  function automatic logic [EW-1:0] exp_lut(input logic signed [XW-1:0] x);
    logic signed [XW-1:0] z;
    logic [XW-1:0] ip;
    z = -((x + XW'(32768)) >>> 16);  // -rsh(x, 16) >= 0 since x <= 0
    ip = XW'(z) >> F;
    if (z <= 0) exp_lut = EW'(65536);
    else if (ip > XW'(16)) exp_lut = '0;  // LUT <= 2^16: fx_exp's ip >= 31 case and beyond
    else exp_lut = lut[z[F-1:0]] >> ip[4:0];
  endfunction

  always_ff @(posedge clk)
    if (rst) begin
      b1_v <= 1'b0;
      b2_v <= 1'b0;
      b3_v <= 1'b0;
    end else if (en) begin
      b1_v <= issue2;
      b1_first <= rd_r == '0;
      b1_base <= rd_r;
      for (int l = 0; l < U; l++) begin
        logic signed [SW:0] dt;
        dt = $signed(rowbuf[AW'(rd_r + LW'(l))][SW-1:0]) - m_r;
        b1_mask[l] <= rd_r + LW'(l) < len_r;
        b1_x[l] <= XW'(dt) * XW'(LOG2E_Q16);
      end
      b2_v <= b1_v;
      b2_first <= b1_first;
      for (int l = 0; l < U; l++) b2_e[l] <= b1_mask[l] ? exp_lut(b1_x[l]) : '0;
      b3_v <= b2_v;
      b3_first <= b2_first;
      begin
        logic [SB-1:0] s;
        s = '0;
        for (int l = 0; l < U; l++) s = s + SB'(b2_e[l]);
        b3_sum <= s;
      end
      if (b3_v) sum_r <= b3_first ? b3_sum : sum_r + b3_sum;
    end

  // ---- pass 3: divide -----------------------------------------------------------
  // Stage k (1..DIV_LAT) registers the remainders and quotients after
  // quotient bits QB-1 .. QB-k*IPS, with the row's tags; the issue feeds
  // stage 1 the numerators.
  logic [RW-1:0] rem[1:DIV_LAT][U];
  logic [QB-1:0] quo[1:DIV_LAT][U];
  logic [SB-1:0] dvs[1:DIV_LAT];
  logic [DIV_LAT:1] dv_v, dv_last, dv_rfen;
  logic [CW-1:0] dv_cnt[1:DIV_LAT];
  logic [15:0] dv_thr[1:DIV_LAT];

  for (genvar k = 0; k < DIV_LAT; k++) begin : g_div
    logic [RW-1:0] prem[U];
    logic [QB-1:0] pquo[U];
    logic [SB-1:0] pdvs;
    logic pv, plast, prfen;
    logic [CW-1:0] pcnt;
    logic [15:0] pthr;
    if (k == 0) begin : g_issue
      always_comb
        for (int l = 0; l < U; l++) begin
          prem[l] = (RW'(rowbuf[AW'(rd_r + LW'(l))][EW-1:0]) << PB) + RW'(sum_r[SB-1:1]);
          pquo[l] = '0;
        end
      assign pdvs = sum_r;
      assign pv = issue3;
      assign plast = last_issue;
      assign pcnt = last_issue ? CW'(len_r - rd_r) : CW'(U);
      assign pthr = thr_r;
      assign prfen = rfen_r;
    end else begin : g_stage
      always_comb
        for (int l = 0; l < U; l++) begin
          prem[l] = rem[k][l];
          pquo[l] = quo[k][l];
        end
      assign pdvs = dvs[k];
      assign pv = dv_v[k];
      assign plast = dv_last[k];
      assign pcnt = dv_cnt[k];
      assign pthr = dv_thr[k];
      assign prfen = dv_rfen[k];
    end
    always_ff @(posedge clk) begin
      if (rst) dv_v[k+1] <= 1'b0;
      else if (en) dv_v[k+1] <= pv;
      if (en) begin
        for (int l = 0; l < U; l++) begin
          logic [RW-1:0] r;
          logic [QB-1:0] q;
          r = prem[l];
          q = pquo[l];
          for (int i = QB - 1 - k * IPS; i >= 0 && i > QB - 1 - (k + 1) * IPS; i--)
            if (r >= RW'(pdvs) << i) begin
              r = r - (RW'(pdvs) << i);
              q[i] = 1'b1;
            end
          rem[k+1][l] <= r;
          quo[k+1][l] <= q;
        end
        dvs[k+1] <= pdvs;
        dv_last[k+1] <= plast;
        dv_cnt[k+1] <= pcnt;
        dv_thr[k+1] <= pthr;
        dv_rfen[k+1] <= prfen;
      end
    end
  end

  // the last stage's remainders and divisor are not needed past it
  wire [RW-1:0] unused_rem = rem[DIV_LAT][0];
  wire [SB-1:0] unused_dvs = dvs[DIV_LAT];

  // ---- buffer writes: t (pass 1), e (pass 2) ---------------------------------
  always_ff @(posedge clk)
    if (en) begin
      if (a1_v)
        for (int l = 0; l < U; l++)
          if (CW'(l) < a1_cnt) rowbuf[AW'(a1_base + LW'(l))] <= BW'(scale_rsh(a1_x[l]));
      if (b1_v)
        for (int l = 0; l < U; l++)
          if (b1_mask[l]) rowbuf[AW'(b1_base + LW'(l))] <= BW'(exp_lut(b1_x[l]));
    end

  // ---- output and the quantization decision ----------------------------------
  localparam logic [QB-1:0] PMAX = QB'((1 << PB) - 1);
  always_comb
    for (int l = 0; l < U; l++) begin
      logic [PB-1:0] q;  // the clamp: quotients reach 2^PB when e = S
      q = quo[DIV_LAT][l] > PMAX ? PMAX[PB-1:0] : quo[DIV_LAT][l][PB-1:0];
      out_p[l*PB +: PB] = CW'(l) < dv_cnt[DIV_LAT] ? q : '0;
    end
  assign out_valid = dv_v[DIV_LAT];
  assign out_cnt = dv_cnt[DIV_LAT];
  assign out_last = dv_last[DIV_LAT];

  logic unused_qd_ready, unused_qd_valid;
  quant_decide #(.U(U), .PB(PB)) u_quant (
      .clk, .rst, .in_valid(out_valid && out_ready), .in_ready(unused_qd_ready),
      .in_p(out_p), .in_cnt(out_cnt), .in_last(out_last), .in_thr16(dv_thr[DIV_LAT]),
      .in_refetch_en(dv_rfen[DIV_LAT]), .out_valid(unused_qd_valid), .out_ready(1'b1),
      .out_pmax(out_pmax), .out_refetch(out_refetch));
endmodule

`default_nettype wire
