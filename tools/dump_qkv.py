#!/usr/bin/python3
"""dump_qkv.py - real Q, K and V for attnsim from a Hugging Face checkpoint.

Reads a GPT-2 or LLaMA checkpoint folder (config.json, *.safetensors; for
GPT-2 text, vocab.json and merges.txt), runs the model's forward pass in
NumPy on one sequence and writes, in OUT:

  q.npy, k.npy, v.npy  float32 [layers, heads, tokens, head_dim], C order:
                       attnsim's tensors.source npy layout (README.md,
                       "Workloads"; common/tensor.c). Q and K after RoPE
                       (LLaMA). With grouped-query attention K and V are
                       repeated to the query heads (query head h reads KV
                       head h // (heads / kv_heads), as the model does),
                       since attnsim has one head count per layer.
  k_kv.npy, v_kv.npy   GQA only: K and V as the model keeps them,
                       [layers, kv_heads, tokens, head_dim].
  attn.npy             with --attn-out: each head's attention output
                       softmax(Q K^T / sqrt(head_dim) + causal mask) V,
                       before the output projection, [layers, heads,
                       tokens, head_dim].
  workload.yaml        an attnsim workload reading them: prefill, causal,
                       one sequence of the dumped length; with
                       --generate G, decode instead: the last G tokens
                       generated one at a time after a prompt of the
                       others (the same causal attention, row by row; the
                       phase SpAtten's token pruning runs in).

Only Python 3 and NumPy. Usage:
  dump_qkv.py MODEL_DIR (--text TEXT | --ids 1,2,3) -o OUT [--layers N]
              [--generate G] [--name NAME] [--attn-out]
Bad input: "path: key: what is wrong (got X, expected Y)", exit 2.
Every output is written to a temporary name and renamed.
"""
import argparse
import json
import math
import os
import re
import struct
import sys

import numpy as np


class BadInput(Exception):
    """path: key: message; exit 2."""


def bad(path, key, msg):
    raise BadInput("%s: %s: %s" % (path, key, msg))


# ---- safetensors ---------------------------------------------------------
# File: u64 little-endian header length N, N bytes of JSON
# {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}},
# then the raw little-endian tensors; offsets count from the end of the
# header.

ST_DTYPES = {"F32": ("<f4", 4), "F16": ("<f2", 2), "BF16": ("<u2", 2)}


class SafeTensors:
    """Every tensor of the folder's *.safetensors files, converted to
    float64 only when asked for (a model need not fit in memory as float)."""

    def __init__(self, folder):
        self.where = {}
        files = sorted(f for f in os.listdir(folder)
                       if f.endswith(".safetensors"))
        if not files:
            bad(folder, "*.safetensors", "no file (expected model.safetensors "
                "or shards)")
        for f in files:
            self._index(os.path.join(folder, f))

    def _index(self, path):
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                bad(path, "header", "file too short (got %d bytes, expected "
                    "at least 8)" % len(head))
            (n,) = struct.unpack("<Q", head)
            if n > size - 8:
                bad(path, "header", "length past the end of the file (got %d, "
                    "expected at most %d)" % (n, size - 8))
            try:
                header = json.loads(fh.read(n).decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                bad(path, "header", "not JSON (%s)" % exc)
        if not isinstance(header, dict):
            bad(path, "header", "not a JSON object")
        mm = np.memmap(path, dtype=np.uint8, mode="r")
        for name, info in header.items():
            if name == "__metadata__":
                continue
            self._check(path, name, info, size - 8 - n)
            self.where[name] = (mm, 8 + n, info, path)

    @staticmethod
    def _check(path, name, info, data_len):
        dt = info.get("dtype") if isinstance(info, dict) else None
        if dt not in ST_DTYPES:
            bad(path, name + ".dtype", "unsupported (got %s, expected F32, "
                "F16 or BF16)" % dt)
        shape, off = info.get("shape"), info.get("data_offsets")
        if (not isinstance(shape, list) or
                not all(isinstance(d, int) and d >= 0 for d in shape)):
            bad(path, name + ".shape", "not a list of sizes (got %r)" % shape)
        if (not isinstance(off, list) or len(off) != 2 or
                not all(isinstance(o, int) for o in off) or
                not 0 <= off[0] <= off[1] <= data_len):
            bad(path, name + ".data_offsets", "out of the data (got %r, "
                "expected [begin, end] within 0..%d)" % (off, data_len))
        want = int(np.prod(shape, dtype=np.int64)) * ST_DTYPES[dt][1]
        if off[1] - off[0] != want:
            bad(path, name + ".data_offsets", "size does not match dtype and "
                "shape (got %d bytes, expected %d)" % (off[1] - off[0], want))

    def has(self, name):
        return name in self.where

    def get(self, name):
        if name not in self.where:
            bad("checkpoint", name, "tensor missing")
        mm, base, info, _ = self.where[name]
        begin, end = info["data_offsets"]
        raw = mm[base + begin:base + end]
        code, _ = ST_DTYPES[info["dtype"]]
        a = np.frombuffer(raw, dtype=code)
        if info["dtype"] == "BF16":  # the high half of a float32
            a = (a.astype(np.uint32) << 16).view(np.float32)
        return a.astype(np.float64).reshape(info["shape"])


# ---- GPT-2 byte-level BPE ---------------------------------------------------

def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable characters."""
    bs = (list(range(ord("!"), ord("~") + 1)) +
          list(range(ord("\xa1"), ord("\xac") + 1)) +
          list(range(ord("\xae"), ord("\xff") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


# GPT-2's pre-tokenizer; \p{L} and \p{N} written with Python's re classes
# (letters: word characters that are not digits or "_"; numbers: \d).
PRETOK = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+"
                    r"| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+")


def bpe_encode(folder, text):
    vpath = os.path.join(folder, "vocab.json")
    mpath = os.path.join(folder, "merges.txt")
    for p in (vpath, mpath):
        if not os.path.exists(p):
            bad(p, "tokenizer", "missing (GPT-2 text needs vocab.json and "
                "merges.txt; or pass --ids)")
    with open(vpath, encoding="utf-8") as fh:
        vocab = json.load(fh)
    ranks = {}
    with open(mpath, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if line.startswith("#version") or len(parts) != 2:
                continue
            ranks.setdefault(tuple(parts), len(ranks))
    b2u = bytes_to_unicode()
    ids = []
    for word in PRETOK.findall(text):
        sym = [b2u[b] for b in word.encode("utf-8")]
        while len(sym) > 1:  # merge the lowest-ranked adjacent pair
            pairs = [(ranks.get((a, b), math.inf), i)
                     for i, (a, b) in enumerate(zip(sym, sym[1:]))]
            r, i = min(pairs)
            if r == math.inf:
                break
            sym[i:i + 2] = [sym[i] + sym[i + 1]]
        for s in sym:
            if s not in vocab:
                bad(vpath, s, "symbol not in the vocabulary")
            ids.append(vocab[s])
    return ids


# ---- forward passes -----------------------------------------------------------

def causal_attention(q, k, v):
    """q [H, T, d], k and v [H, T, d] -> [H, T, d]."""
    d = q.shape[-1]
    s = q @ k.transpose(0, 2, 1) / math.sqrt(d)
    t = s.shape[-1]
    s = np.where(np.tril(np.ones((t, t), dtype=bool)), s, -np.inf)
    s = np.exp(s - s.max(axis=-1, keepdims=True))
    return (s / s.sum(axis=-1, keepdims=True)) @ v


def layer_norm(x, w, b, eps):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) *
                                  (x + 0.044715 * x ** 3)))


def strip_prefix(st, prefix):
    """HF checkpoints name tensors with or without the model's prefix."""
    return prefix if any(n.startswith(prefix) for n in st.where) else ""


def gpt2_forward(st, cfg, ids, nlayers):
    p = strip_prefix(st, "transformer.")
    e = cfg.get("n_embd", 768)
    h = cfg.get("n_head", 12)
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    act = cfg.get("activation_function", "gelu_new")
    if act not in ("gelu_new", "gelu_pytorch_tanh"):
        bad("config.json", "activation_function", "unsupported (got %s, "
            "expected gelu_new)" % act)
    d = e // h
    t = len(ids)
    x = st.get(p + "wte.weight")[ids] + st.get(p + "wpe.weight")[:t]
    out = []
    for i in range(nlayers):
        g = lambda n: st.get("%sh.%d.%s" % (p, i, n))
        a = layer_norm(x, g("ln_1.weight"), g("ln_1.bias"), eps)
        qkv = a @ g("attn.c_attn.weight") + g("attn.c_attn.bias")  # Conv1D
        q, k, v = (m.reshape(t, h, d).transpose(1, 0, 2)
                   for m in np.split(qkv, 3, axis=1))
        o = causal_attention(q, k, v)
        x = x + o.transpose(1, 0, 2).reshape(t, e) @ \
            g("attn.c_proj.weight") + g("attn.c_proj.bias")
        a = layer_norm(x, g("ln_2.weight"), g("ln_2.bias"), eps)
        m = gelu_new(a @ g("mlp.c_fc.weight") + g("mlp.c_fc.bias"))
        x = x + m @ g("mlp.c_proj.weight") + g("mlp.c_proj.bias")
        out.append((q, k, v, o))
    return out, h, h, d


def rope_inv_freq(cfg, d):
    base = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / base ** (np.arange(0, d, 2, dtype=np.float64) / d)
    rs = cfg.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type", "default"))
    if kind == "default":
        return inv
    if kind != "llama3":
        bad("config.json", "rope_scaling", "unsupported (got %s, expected "
            "none or llama3)" % kind)
    # Llama 3.1's frequency-dependent scaling (as transformers computes it)
    f, lo, hi = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
    old = rs["original_max_position_embeddings"]
    wavelen = 2 * math.pi / inv
    scaled = np.where(wavelen > old / lo, inv / f, inv)
    smooth = (old / wavelen - lo) / (hi - lo)
    mid = (wavelen >= old / hi) & (wavelen <= old / lo)
    return np.where(mid, (1 - smooth) * scaled / f + smooth * scaled, scaled)


def rope(x, inv_freq):
    """HF LLaMA's rotation: dims i and i + d/2 form a pair."""
    t, d = x.shape[1], x.shape[2]
    ang = np.arange(t)[:, None] * inv_freq[None, :]
    cos = np.concatenate([np.cos(ang)] * 2, axis=1)
    sin = np.concatenate([np.sin(ang)] * 2, axis=1)
    rot = np.concatenate([-x[..., d // 2:], x[..., :d // 2]], axis=-1)
    return x * cos + rot * sin


def llama_forward(st, cfg, ids, nlayers):
    p = strip_prefix(st, "model.")
    e = cfg["hidden_size"]
    h = cfg["num_attention_heads"]
    hkv = cfg.get("num_key_value_heads", h)
    d = cfg.get("head_dim") or e // h
    eps = cfg.get("rms_norm_eps", 1e-6)
    if cfg.get("hidden_act", "silu") != "silu":
        bad("config.json", "hidden_act", "unsupported (got %s, expected silu)"
            % cfg.get("hidden_act"))
    if h % hkv:
        bad("config.json", "num_key_value_heads", "does not divide the heads "
            "(got %d, expected a divisor of %d)" % (hkv, h))
    inv = rope_inv_freq(cfg, d)
    rms = lambda x, w: x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w
    t = len(ids)
    x = st.get(p + "embed_tokens.weight")[ids]
    out = []
    for i in range(nlayers):
        g = lambda n: st.get("%slayers.%d.%s" % (p, i, n))
        bias = lambda n: (st.get("%slayers.%d.%s.bias" % (p, i, n))
                          if st.has("%slayers.%d.%s.bias" % (p, i, n)) else 0)
        lin = lambda a, n: a @ g(n + ".weight").T + bias(n)  # [out, in]
        a = rms(x, g("input_layernorm.weight"))
        q = lin(a, "self_attn.q_proj").reshape(t, h, d).transpose(1, 0, 2)
        k = lin(a, "self_attn.k_proj").reshape(t, hkv, d).transpose(1, 0, 2)
        v = lin(a, "self_attn.v_proj").reshape(t, hkv, d).transpose(1, 0, 2)
        q, k = rope(q, inv), rope(k, inv)
        grp = h // hkv
        o = causal_attention(q, np.repeat(k, grp, axis=0),
                             np.repeat(v, grp, axis=0))
        x = x + lin(o.transpose(1, 0, 2).reshape(t, h * d), "self_attn.o_proj")
        a = rms(x, g("post_attention_layernorm.weight"))
        m = lin(a, "mlp.gate_proj")
        m = m / (1 + np.exp(-m)) * lin(a, "mlp.up_proj")
        x = x + lin(m, "mlp.down_proj")
        out.append((q, k, v, o))
    return out, h, hkv, d


# ---- outputs ----------------------------------------------------------------

def save_npy(path, a):
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        np.save(fh, np.ascontiguousarray(a, dtype="<f4"))
    os.replace(tmp, path)


def save_text(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def frac_bits_hint(m, width=12):
    """The most fractional bits a signed width-bit datapath can carry with
    every element (largest magnitude m) inside its range, or None."""
    for f in range(width - 1, -1, -1):
        if m <= 2.0 ** (width - 1 - f) - 2.0 ** -f:
            return f
    return None


def range_note(m):
    f = frac_bits_hint(m)
    if f is None:
        return ("largest |Q|, |K|, |V| %.3g: beyond a 12-bit datapath; raise "
                "datapath.width" % m)
    return ("largest |Q|, |K|, |V| %.3g: a 12-bit datapath holds it with "
            "datapath.frac_bits <= %d (spatten.yaml: 8)" % (m, f))


def workload_yaml(name, model, nl, h, hkv, d, t, ids, gen, m):
    gqa = ("# grouped-query attention: %d KV heads, repeated to the %d query "
           "heads in\n# k.npy and v.npy (k_kv.npy, v_kv.npy: as the model "
           "keeps them)\n" % (hkv, h)) if hkv != h else ""
    shown = ids if len(ids) <= 16 else ids[:16] + ["..."]
    if gen:
        phase = ("phase: decode\n"
                 "decode: {prompt: %d, generate: %d}   # the last %d tokens\n"
                 % (t - gen, gen, gen))
    else:
        phase = ("phase: prefill\n"
                 "prefill: {tokens: %d, causal: true}   # a decoder: causal "
                 "mask\n" % t)
    return ("# Written by tools/dump_qkv.py: real activations of %s\n"
            "# (%d tokens: %s).\n# %s\n%s"
            "name: %s\n"
            "model: {layers: %d, heads: %d, head_dim: %d}\n"
            "%s"
            "tensors: {source: npy, q: q.npy, k: k.npy, v: v.npy}\n"
            % (model, t, ", ".join(map(str, shown)), range_note(m), gqa, name,
               nl, h, d, phase))


def parse_ids(s):
    try:
        ids = [int(x) for x in s.replace(",", " ").split()]
    except ValueError:
        bad("--ids", "ids", "not a list of integers (got %s)" % s)
    if not ids:
        bad("--ids", "ids", "empty (expected at least one token id)")
    return ids


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="checkpoint folder (config.json, "
                    "*.safetensors)")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", help="text to tokenise (GPT-2 only)")
    src.add_argument("--ids", help="token ids, comma- or space-separated")
    ap.add_argument("-o", "--out", required=True, help="output folder")
    ap.add_argument("--layers", type=int, default=0,
                    help="dump only the first N layers (default: all)")
    ap.add_argument("--generate", type=int, default=0, metavar="G",
                    help="write a decode workload: the last G tokens "
                    "generated (default: prefill)")
    ap.add_argument("--name", help="workload name (default: model folder)")
    ap.add_argument("--attn-out", action="store_true",
                    help="also write attn.npy, each head's attention output")
    a = ap.parse_args(argv)
    cpath = os.path.join(a.model, "config.json")
    if not os.path.exists(cpath):
        bad(cpath, "config.json", "missing (expected a Hugging Face "
            "checkpoint folder)")
    with open(cpath, encoding="utf-8") as fh:
        cfg = json.load(fh)
    kind = cfg.get("model_type")
    if kind not in ("gpt2", "llama"):
        bad(cpath, "model_type", "unsupported (got %s, expected gpt2 or "
            "llama)" % kind)
    if a.text is not None and kind != "gpt2":
        bad("--text", "tokenizer", "only GPT-2's BPE is built in (got "
            "model_type %s; pass --ids)" % kind)
    ids = parse_ids(a.ids) if a.ids is not None else bpe_encode(a.model,
                                                                a.text)
    total = cfg.get("n_layer") if kind == "gpt2" else cfg.get(
        "num_hidden_layers")
    vocab = cfg.get("vocab_size")
    maxpos = cfg.get("n_positions", cfg.get("max_position_embeddings"))
    if not 0 <= a.layers <= total:
        bad("--layers", "layers", "out of range (got %d, expected 1..%d)"
            % (a.layers, total))
    if any(not 0 <= i < vocab for i in ids):
        bad("--ids", "ids", "token id out of range (got %d, expected "
            "0..%d)" % (max(ids, key=lambda i: abs(i)), vocab - 1))
    if kind == "gpt2" and len(ids) > maxpos:
        bad("--ids", "ids", "too many tokens (got %d, expected at most %d)"
            % (len(ids), maxpos))
    if not 0 <= a.generate <= len(ids):
        bad("--generate", "generate", "out of range (got %d, expected "
            "1..%d, the tokens)" % (a.generate, len(ids)))
    nl = a.layers or total
    st = SafeTensors(a.model)
    fwd = gpt2_forward if kind == "gpt2" else llama_forward
    res, h, hkv, d = fwd(st, cfg, ids, nl)
    os.makedirs(a.out, exist_ok=True)
    q, k, v, o = (np.stack([r[j] for r in res]) for j in range(4))
    grp = h // hkv
    save_npy(os.path.join(a.out, "q.npy"), q)
    save_npy(os.path.join(a.out, "k.npy"), np.repeat(k, grp, axis=1))
    save_npy(os.path.join(a.out, "v.npy"), np.repeat(v, grp, axis=1))
    if grp > 1:
        save_npy(os.path.join(a.out, "k_kv.npy"), k)
        save_npy(os.path.join(a.out, "v_kv.npy"), v)
    if a.attn_out:
        save_npy(os.path.join(a.out, "attn.npy"), o)
    big = max(np.abs(q).max(), np.abs(k).max(), np.abs(v).max())
    name = a.name or os.path.basename(os.path.normpath(a.model))
    save_text(os.path.join(a.out, "workload.yaml"),
              workload_yaml(name, kind, nl, h, hkv, d, len(ids), ids,
                            a.generate, big))
    print("%s: %d layers, %d heads (%d KV), head_dim %d, %d tokens; %s; "
          "wrote %s" % (kind, nl, h, hkv, d, len(ids), range_note(big),
                        os.path.join(a.out, "workload.yaml")))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BadInput as exc:
        print("dump_qkv.py: %s" % exc, file=sys.stderr)
        sys.exit(2)
