#!/usr/bin/env python3
# rtl_models/synth.py - `make rtl-synth`: synthesise each RTL block with
# Yosys (generic gates, no liberty file) at the config's parameters, count
# its cells by kind, turn them into NAND2 equivalents and an area, and set
# that beside the model's area for the same block (attnsim's report,
# modules.<name>.area_mm2). See rtl_models/README.md, "Synthesis".
#
# Usage: synth.py --gen DIR --model REPORT.json --config CONFIG --out FILE
#                 --work DIR BLOCK:TOP:SRC[,SRC...] ...
# --model - skips the model column (the smoke test).
import argparse
import os
import re
import subprocess
import sys
import time

# NAND2 equivalents per generic Yosys cell. Source: the NanGate 45 nm Open
# Cell Library (FreePDK45, NangateOpenCellLibrary_typical.lib), X1 drive
# areas in um2 divided by NAND2_X1's 0.798 um2: INV_X1 0.532, NAND2_X1 and
# NOR2_X1 0.798, AND2_X1 and OR2_X1 1.064, XOR2_X1 and XNOR2_X1 1.596,
# MUX2_X1 1.862, DFF_X1 4.522. The library has no inverted-input gate, no
# enable and no synchronous-reset flop: those are "assumed" compositions.
NAND2_UM2 = 0.798
GE = {
    "$_NOT_": 0.532 / NAND2_UM2,
    "$_BUF_": 0.0,                       # assumed: a wire after mapping
    "$_NAND_": 1.0, "$_NOR_": 1.0,
    "$_AND_": 1.064 / NAND2_UM2, "$_OR_": 1.064 / NAND2_UM2,
    "$_ANDNOT_": 1.064 / NAND2_UM2,      # assumed: AND2-sized (A & ~B)
    "$_ORNOT_": 1.064 / NAND2_UM2,       # assumed: OR2-sized (A | ~B)
    "$_XOR_": 1.596 / NAND2_UM2, "$_XNOR_": 1.596 / NAND2_UM2,
    "$_MUX_": 1.862 / NAND2_UM2,
}
DFF = 4.522 / NAND2_UM2           # DFF_X1
EN = 1.862 / NAND2_UM2            # assumed: an enable is a MUX2 in front of the D pin
SRST = 1.064 / NAND2_UM2          # assumed: a synchronous reset is an AND2/OR2 on D
UTIL = 0.7                        # placement utilisation, as the config's area figures


def flop_ge(cell):
    """NAND2 equivalents of a Yosys fine-grained flip-flop, or None."""
    m = re.fullmatch(r"\$_(S?)DFF(C?E?)_([PN01]+)_", cell)
    if not m:
        return None
    return DFF + (EN if "E" in m.group(2) else 0) + (SRST if m.group(1) else 0)


def vc_params(path):
    out = []
    for line in open(path):
        m = re.fullmatch(r"-G(\w+)=(.*)", line.strip())
        if m:
            out.append((m.group(1), m.group(2).strip("'")))
    return out


def synth(block, top, srcs, gen, work):
    """Run Yosys on one block; return (cells by kind, memories, seconds)."""
    stat = os.path.join(work, block + ".stat")
    mems = os.path.join(work, block + ".mem")
    sets = " ".join("-set %s %s" % kv for kv in vc_params(os.path.join(gen, block + ".vc")))
    # synth's own script up to "fine", then its fine steps without
    # memory_map: memories stay $mem_v2 cells (SRAM macros), counted apart
    script = "\n".join([
        "read_verilog -defer -sv " + " ".join(srcs),
        "chparam %s %s" % (sets, top),
        "synth -flatten -top %s -run begin:fine" % top,
        "opt -fast -full", "opt -full", "techmap", "opt -fast", "abc -fast", "opt -fast",
        "tee -q -o %s stat" % stat,
        "tee -q -o %s dump t:$mem_v2" % mems, ""])
    ys = os.path.join(work, block + ".ys")
    with open(ys, "w") as f:
        f.write(script)
    t0 = time.time()
    r = subprocess.run(["yosys", "-q", "-l", os.path.join(work, block + ".log"), "-s", ys],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    secs = time.time() - t0
    if r.returncode != 0:
        sys.stderr.write(r.stdout)
        sys.exit("rtl-synth: yosys failed on %s (log: %s)" % (block, os.path.join(work, block + ".log")))
    cells = {}
    total = None
    for line in open(stat):
        m = re.match(r"\s+Number of cells:\s+(\d+)", line)
        if m:
            total = int(m.group(1))
        m = re.match(r"\s+(\$\S+)\s+(\d+)$", line)
        if m:
            cells[m.group(1)] = cells.get(m.group(1), 0) + int(m.group(2))
    if total is None or total != sum(cells.values()):
        sys.exit("rtl-synth: %s: could not read the cell counts in %s" % (block, stat))
    mem = []  # (name, words, bits per word)
    name = size = None
    for line in open(mems):
        m = re.match(r"\s*cell \$mem_v2 (\S+)", line)
        if m:
            name, size = m.group(1), None
        m = re.match(r"\s*parameter \\SIZE (\d+)", line)
        if m:
            size = int(m.group(1))
        m = re.match(r"\s*parameter \\WIDTH (\d+)", line)
        if m and name:
            mem.append((name, size, int(m.group(1))))
    return cells, mem, secs


def node_scale(config):
    """Sa = (node_nm / ref_node_nm)^2, the model's area scaling."""
    vals = {}
    for line in open(config):
        m = re.match(r"\s+(node_nm|ref_node_nm):\s*([0-9.]+)", line)
        if m:
            vals[m.group(1)] = float(m.group(2))
    return (vals.get("node_nm", 45.0) / vals.get("ref_node_nm", 45.0)) ** 2, vals


# the model's modules that stand for each block (docs/stats.md, "Modules")
MODEL = {
    "zero_elim": ["zero_elim"],
    "topk": ["topk", "zero_elim"],
    "qk": ["qk_array"],
    "softmax": ["softmax", "requant"],
    "quant": ["requant"],
}

KINDS = ["$_AND_", "$_NAND_", "$_OR_", "$_NOR_", "$_XOR_", "$_XNOR_",
         "$_ANDNOT_", "$_ORNOT_", "$_MUX_", "$_NOT_"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("blocks", nargs="+")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    model = None
    if a.model != "-":
        import json
        model = json.load(open(a.model))["modules"]
    sa, nodes = node_scale(a.config)

    rows = []
    for spec in a.blocks:
        block, top, srcs = spec.split(":")
        cells, mem, secs = synth(block, top, srcs.split(","), a.gen, a.work)
        ge = 0.0
        flops = 0
        other = []
        for c, n in cells.items():
            if c == "$mem_v2":
                continue
            f = flop_ge(c)
            if f is not None:
                flops += n
                ge += n * f
            elif c in GE:
                ge += n * GE[c]
            else:
                other.append(c)
        if other:
            sys.exit("rtl-synth: %s: no NAND2 weight for %s" % (block, " ".join(other)))
        um2 = ge * NAND2_UM2
        mm2 = um2 / UTIL / 1e6 * sa
        ref = None
        if model is not None:
            ref = sum(model[m]["area_mm2"] for m in MODEL[block])
        rows.append((block, top, cells, flops, mem, ge, um2, mm2, ref, secs))

    L = []
    L.append("rtl-synth: Yosys generic synthesis (synth -flatten up to fine, techmap, abc -fast;"
             " memories kept as $mem_v2), config %s" % a.config)
    L.append("cells by kind")
    hdr = "%-10s %8s %7s" % ("block", "cells", "flops") + "".join(
        " %7s" % k.strip("$_") for k in KINDS) + " %5s %9s" % ("mems", "mem bits")
    L.append(hdr)
    for (block, top, cells, flops, mem, ge, um2, mm2, ref, secs) in rows:
        total = sum(n for c, n in cells.items() if c != "$mem_v2")
        L.append("%-10s %8d %7d" % (block, total, flops) + "".join(
            " %7d" % cells.get(k, 0) for k in KINDS) +
            " %5d %9d" % (len(mem), sum(w * b for _, w, b in mem)))
    L.append("")
    L.append("area: NAND2-eq x %.3f um2 (NanGate45 NAND2_X1) / %.1f utilisation x Sa %.3f"
             " (%g nm from %g nm), memories excluded" % (
                 NAND2_UM2, UTIL, sa, nodes.get("node_nm", 45), nodes.get("ref_node_nm", 45)))
    L.append("%-10s %10s %11s %10s %10s %7s  %-18s %6s" % (
        "block", "NAND2-eq", "logic um2", "rtl mm2", "model mm2", "model/rtl", "model modules", "yosys"))
    for (block, top, cells, flops, mem, ge, um2, mm2, ref, secs) in rows:
        L.append("%-10s %10.0f %11.0f %10.5f %10s %9s  %-18s %5.0fs" % (
            block, ge, um2, mm2,
            "-" if ref is None else "%.5f" % ref,
            "-" if ref is None else "%.2f" % (ref / mm2),
            "+".join(MODEL[block]), secs))
    mems = [(b, m) for (b, _, _, _, mem, _, _, _, _, _) in rows for m in mem]
    if mems:
        L.append("")
        L.append("memories (not in the area above): " + ", ".join(
            "%s %s %dx%d" % (b, n.lstrip("\\"), w, bits) for b, (n, w, bits) in mems))
    text = "\n".join(L) + "\n"
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, a.out)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
