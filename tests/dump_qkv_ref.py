#!/usr/bin/python3
"""dump_qkv_ref.py - tiny checkpoints and an independent reference for
tools/dump_qkv.py (tests/test_dump_qkv.c runs it).

  dump_qkv_ref.py write gpt2|llama DIR   a randomly initialised 2-layer
      checkpoint in Hugging Face's format: config.json, safetensors written
      here byte by byte (GPT-2: F16 matrices, F32 norms and biases, one
      file, plus a 6-merge vocab.json and merges.txt; LLaMA: BF16 matrices,
      F32 norms and embeddings, two shards), and DIR/ref.npz holding the
      weights as the file stores them, in the reference's own layout.
  dump_qkv_ref.py check gpt2|llama DIR OUT IDS
      recompute every layer's Q, K, V and attention output token by token
      with plain loops (no matrix products, no batching over heads) from
      DIR/ref.npz, and compare with OUT/*.npy; exit 1 naming the first
      difference.
  dump_qkv_ref.py badst DIR   a GPT-2 folder whose one tensor has dtype I8.

The reference shares no code with the tool: its own BF16 and F16
encoders, its own loops, its own RoPE written pair by pair.
"""
import json
import math
import os
import struct
import sys

import numpy as np

GPT2 = dict(model_type="gpt2", n_layer=2, n_embd=32, n_head=2,
            n_positions=16, vocab_size=262, layer_norm_epsilon=1e-5,
            activation_function="gelu_new")
LLAMA = dict(model_type="llama", num_hidden_layers=2, hidden_size=32,
             num_attention_heads=4, num_key_value_heads=2,
             intermediate_size=48, vocab_size=50, rms_norm_eps=1e-5,
             rope_theta=10000.0, max_position_embeddings=64,
             hidden_act="silu")
# BPE: printable ASCII are their own symbols (id = code), space is "\u0120"
# (GPT-2's byte map sends 0x20 to U+0120); merged symbols from id 256.
MERGES = [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"),
          ("\u0120", "w"), ("o", "r")]


def to_bf16_bits(a):
    """Round to nearest even, as torch does."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    u = u.astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype(np.uint16)


def stored(a, dtype):
    """(bytes, the value the file holds as float64)."""
    if dtype == "F32":
        v = np.asarray(a, dtype="<f4")
        return v.tobytes(), v.astype(np.float64)
    if dtype == "F16":
        v = np.asarray(a, dtype="<f2")
        return v.tobytes(), v.astype(np.float64)
    bits = to_bf16_bits(a)
    val = (bits.astype(np.uint32) << 16).view(np.float32)
    return bits.astype("<u2").tobytes(), val.astype(np.float64)


def write_safetensors(path, tensors):
    """tensors: list of (name, dtype, shape, bytes)."""
    header, off, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name, dt, shape, raw in tensors:
        header[name] = {"dtype": dt, "shape": list(shape),
                        "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        blobs.append(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)  # the format pads the header with spaces
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class Builder:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.files, self.ref = {}, {}

    def add(self, fname, name, a, dtype, ref_name=None, ref_fn=None):
        raw, val = stored(a, dtype)
        self.files.setdefault(fname, []).append((name, dtype, a.shape, raw))
        if ref_name:
            self.ref[ref_name] = ref_fn(val) if ref_fn else val

    def rand(self, *shape, std=0.3, mean=0.0):
        return (mean + std * self.rng.standard_normal(shape)).astype(np.float32)

    def save(self, d):
        for fname, ts in self.files.items():
            write_safetensors(os.path.join(d, fname), ts)
        np.savez(os.path.join(d, "ref.npz"), **self.ref)


def write_gpt2(d):
    c, b = GPT2, Builder(1)
    e, f = c["n_embd"], "model.safetensors"
    b.add(f, "wte.weight", b.rand(c["vocab_size"], e), "F16", "wte")
    b.add(f, "wpe.weight", b.rand(c["n_positions"], e, std=0.1), "F16", "wpe")
    for i in range(c["n_layer"]):
        p, r = "h.%d." % i, "L%d." % i
        for ln in ("ln_1", "ln_2"):
            b.add(f, p + ln + ".weight", b.rand(e, std=0.1, mean=1.0), "F32",
                  r + ln + ".g")
            b.add(f, p + ln + ".bias", b.rand(e, std=0.1), "F32", r + ln + ".b")
        # the reference keeps Wq, Wk, Wv apart, as [out][in]; the file holds
        # them fused in Conv1D's [in, out] layout, q then k then v
        ws = [b.rand(e, e) for _ in range(3)]
        bs = [b.rand(e, std=0.1) for _ in range(3)]
        raw_w = stored(np.concatenate(ws, axis=1), "F16")[1]
        raw_b = stored(np.concatenate(bs), "F32")[1]
        b.add(f, p + "attn.c_attn.weight", np.concatenate(ws, axis=1), "F16")
        b.add(f, p + "attn.c_attn.bias", np.concatenate(bs), "F32")
        for j, n in enumerate("qkv"):
            b.ref[r + "W" + n] = raw_w[:, j * e:(j + 1) * e].T
            b.ref[r + "b" + n] = raw_b[j * e:(j + 1) * e]
        b.add(f, p + "attn.c_proj.weight", b.rand(e, e), "F16", r + "Wo",
              lambda v: v.T)
        b.add(f, p + "attn.c_proj.bias", b.rand(e, std=0.1), "F32", r + "bo")
        b.add(f, p + "mlp.c_fc.weight", b.rand(e, 4 * e), "F16", r + "W1",
              lambda v: v.T)
        b.add(f, p + "mlp.c_fc.bias", b.rand(4 * e, std=0.1), "F32", r + "b1")
        b.add(f, p + "mlp.c_proj.weight", b.rand(4 * e, e, std=0.15), "F16",
              r + "W2", lambda v: v.T)
        b.add(f, p + "mlp.c_proj.bias", b.rand(e, std=0.1), "F32", r + "b2")
    b.save(d)
    vocab = {chr(ch): ch for ch in range(33, 127)}
    vocab["\u0120"] = 32
    for j, (x, y) in enumerate(MERGES):
        vocab[x + y] = 256 + j
    with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as fh:
        json.dump(vocab, fh, ensure_ascii=False)
    with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as fh:
        fh.write("#version: 0.2\n" + "".join("%s %s\n" % m for m in MERGES))


def write_llama(d):
    c, b = LLAMA, Builder(2)
    e, h, hkv = c["hidden_size"], c["num_attention_heads"], \
        c["num_key_value_heads"]
    hd, m = e // h, c["intermediate_size"]
    b.add("model-00001-of-00002.safetensors", "model.embed_tokens.weight",
          b.rand(c["vocab_size"], e, std=1.0), "F32", "emb")
    for i in range(c["num_hidden_layers"]):
        f = "model-%05d-of-00002.safetensors" % (i + 1)
        p, r = "model.layers.%d." % i, "L%d." % i
        b.add(f, p + "input_layernorm.weight", b.rand(e, std=0.1, mean=1.0),
              "F32", r + "n1")
        b.add(f, p + "post_attention_layernorm.weight",
              b.rand(e, std=0.1, mean=1.0), "F32", r + "n2")
        # torch Linear: [out, in], the reference's layout too
        for n, rows in (("q", h * hd), ("k", hkv * hd), ("v", hkv * hd)):
            b.add(f, p + "self_attn.%s_proj.weight" % n, b.rand(rows, e),
                  "BF16", r + "W" + n)
        b.add(f, p + "self_attn.o_proj.weight", b.rand(e, h * hd), "BF16",
              r + "Wo")
        b.add(f, p + "mlp.gate_proj.weight", b.rand(m, e), "BF16", r + "Wg")
        b.add(f, p + "mlp.up_proj.weight", b.rand(m, e), "BF16", r + "Wu")
        b.add(f, p + "mlp.down_proj.weight", b.rand(e, m), "BF16", r + "Wd")
    b.add("model-00002-of-00002.safetensors", "model.norm.weight",
          b.rand(e, std=0.1, mean=1.0), "F32", "norm")
    b.save(d)


def write(kind, d):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as fh:
        json.dump(GPT2 if kind == "gpt2" else LLAMA, fh)
    (write_gpt2 if kind == "gpt2" else write_llama)(d)


# ---- the reference: one token at a time, loops only -----------------------

def dot(a, b):
    s = 0.0
    for x, y in zip(a, b):
        s += x * y
    return s


def matvec(w, x):  # w [out][in]
    return [dot(row, x) for row in w]


def add(a, b):
    return [x + y for x, y in zip(a, b)]


def layernorm(x, g, b, eps):
    n = len(x)
    mu = sum(x) / n
    var = sum((v - mu) ** 2 for v in x) / n
    return [(v - mu) / math.sqrt(var + eps) * gi + bi
            for v, gi, bi in zip(x, g, b)]


def rmsnorm(x, g, eps):
    r = math.sqrt(sum(v * v for v in x) / len(x) + eps)
    return [v / r * gi for v, gi in zip(x, g)]


def attend(q, keys, vals):
    """One query over its keys, the scores' maximum subtracted."""
    sc = [dot(q, k) / math.sqrt(len(q)) for k in keys]
    mx = max(sc)
    w = [math.exp(s - mx) for s in sc]
    tot = sum(w)
    return [sum(w[j] * vals[j][i] for j in range(len(vals))) / tot
            for i in range(len(q))]


def rotate(x, pos, theta):
    """RoPE on one head's vector: pair (i, i + d/2) turns by
    pos * theta^(-2i/d) (the pairing HF's LLaMA checkpoints use)."""
    d, y = len(x), list(x)
    for i in range(d // 2):
        a = pos * theta ** (-2.0 * i / d)
        c, s = math.cos(a), math.sin(a)
        y[i] = x[i] * c - x[i + d // 2] * s
        y[i + d // 2] = x[i + d // 2] * c + x[i] * s
    return y


def split(v, nh):
    d = len(v) // nh
    return [v[j * d:(j + 1) * d] for j in range(nh)]


def ref_gpt2(R, ids):
    c = GPT2
    eps, nh = c["layer_norm_epsilon"], c["n_head"]
    xs = [add(R["wte"][t], R["wpe"][p]) for p, t in enumerate(ids)]
    layers = []
    for i in range(c["n_layer"]):
        g = lambda n: R["L%d.%s" % (i, n)]
        Q, K, V, O = [], [], [], []
        for p, x in enumerate(xs):
            a = layernorm(x, g("ln_1.g"), g("ln_1.b"), eps)
            Q.append(split(add(matvec(g("Wq"), a), g("bq")), nh))
            K.append(split(add(matvec(g("Wk"), a), g("bk")), nh))
            V.append(split(add(matvec(g("Wv"), a), g("bv")), nh))
            O.append([attend(Q[p][hh], [K[j][hh] for j in range(p + 1)],
                             [V[j][hh] for j in range(p + 1)])
                      for hh in range(nh)])
        nxt = []
        for p, x in enumerate(xs):
            cat = [v for hv in O[p] for v in hv]
            x = add(x, add(matvec(g("Wo"), cat), g("bo")))
            a = layernorm(x, g("ln_2.g"), g("ln_2.b"), eps)
            u = add(matvec(g("W1"), a), g("b1"))
            u = [0.5 * z * (1 + math.tanh(math.sqrt(2 / math.pi) *
                                          (z + 0.044715 * z ** 3))) for z in u]
            nxt.append(add(x, add(matvec(g("W2"), u), g("b2"))))
        xs = nxt
        layers.append((Q, K, V, O))
    return layers


def ref_llama(R, ids):
    c = LLAMA
    eps, nh, nkv = c["rms_norm_eps"], c["num_attention_heads"], \
        c["num_key_value_heads"]
    xs = [list(R["emb"][t]) for t in ids]
    layers = []
    for i in range(c["num_hidden_layers"]):
        g = lambda n: R["L%d.%s" % (i, n)]
        Q, K, V, O = [], [], [], []
        for p, x in enumerate(xs):
            a = rmsnorm(x, g("n1"), eps)
            Q.append([rotate(v, p, c["rope_theta"])
                      for v in split(matvec(g("Wq"), a), nh)])
            K.append([rotate(v, p, c["rope_theta"])
                      for v in split(matvec(g("Wk"), a), nkv)])
            V.append(split(matvec(g("Wv"), a), nkv))
            # query head hh shares KV head hh // (nh / nkv)
            O.append([attend(Q[p][hh],
                             [K[j][hh // (nh // nkv)] for j in range(p + 1)],
                             [V[j][hh // (nh // nkv)] for j in range(p + 1)])
                      for hh in range(nh)])
        nxt = []
        for p, x in enumerate(xs):
            cat = [v for hv in O[p] for v in hv]
            x = add(x, matvec(g("Wo"), cat))
            a = rmsnorm(x, g("n2"), eps)
            gt, up = matvec(g("Wg"), a), matvec(g("Wu"), a)
            u = [z / (1 + math.exp(-z)) * w for z, w in zip(gt, up)]
            nxt.append(add(x, matvec(g("Wd"), u)))
        xs = nxt
        layers.append((Q, K, V, O))
    return layers


def compare(name, got, want):
    """got: the dumped array [layers, heads, tokens, d]; want: nested
    lists [layer][token][head][d]."""
    w = np.array(want, dtype=np.float64).transpose(0, 2, 1, 3)
    if got.shape != w.shape or got.dtype != np.float32:
        print("%s: shape %s dtype %s, expected %s float32"
              % (name, got.shape, got.dtype, w.shape))
        return 1
    err = np.abs(got - w)
    tol = 1e-5 * max(1.0, np.abs(w).max())
    if err.max() > tol:
        l, hh, t, i = np.unravel_index(err.argmax(), err.shape)
        print("%s: layer %d head %d token %d element %d: got %.7g, expected "
              "%.7g" % (name, l, hh, t, i, got[l, hh, t, i], w[l, hh, t, i]))
        return 1
    print("%s: %s, max |error| %.2g (tolerance %.2g)"
          % (name, "x".join(map(str, got.shape)), err.max(), tol))
    return 0


def check(kind, d, out, ids):
    R = dict(np.load(os.path.join(d, "ref.npz")))
    R = {k: v.tolist() for k, v in R.items()}
    layers = (ref_gpt2 if kind == "gpt2" else ref_llama)(R, ids)
    q, k, v, o = ([L[j] for L in layers] for j in range(4))
    load = lambda n: np.load(os.path.join(out, n + ".npy"))
    bad = compare("q", load("q"), q) + compare("attn", load("attn"), o)
    if kind == "gpt2":
        bad += compare("k", load("k"), k) + compare("v", load("v"), v)
    else:  # attnsim's K, V: KV head hh // 2 under query head hh
        rep = lambda t: [[[hv[hh // 2] for hh in range(4)] for hv in lay]
                         for lay in t]
        bad += compare("k", load("k"), rep(k)) + compare("v", load("v"), rep(v))
        bad += compare("k_kv", load("k_kv"), k) + \
            compare("v_kv", load("v_kv"), v)
    # attention recomputed from the dumped files alone
    Q, K, V = load("q"), load("k"), load("v")
    again = [[[attend(Q[l, hh, p].tolist(), K[l, hh, :p + 1].tolist(),
                      V[l, hh, :p + 1].tolist())
               for hh in range(Q.shape[1])] for p in range(Q.shape[2])]
             for l in range(Q.shape[0])]
    bad += compare("softmax(QK^T/sqrt(d))V from the files", load("attn"),
                   again)
    return 1 if bad else 0


def badst(d):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as fh:
        json.dump(GPT2, fh)
    write_safetensors(os.path.join(d, "model.safetensors"),
                      [("h.0.attn.c_attn.weight", "I8", (2, 2), b"\0" * 4)])


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "write":
        write(sys.argv[2], sys.argv[3])
    elif cmd == "check":
        ids = [int(x) for x in sys.argv[5].split(",")]
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4], ids))
    elif cmd == "badst":
        badst(sys.argv[2])
    else:
        sys.exit("usage: see the docstring")
