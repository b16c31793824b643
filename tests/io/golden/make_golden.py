#!/usr/bin/env python3
"""Golden fixtures for r1cpp's model layer, llm.c style: an independent implementation of Qwen2 and
DeepSeek-V3, written from Hugging Face transformers' modeling_qwen2.py / modeling_deepseek_v3.py /
modeling_rope_utils.py (and, for what Hugging Face leaves out, DeepSeek-V3's paper: multi-token
prediction, §2.2, and the sequence-wise balance loss, eqs. 17-20). It shares no code with r1cpp.

For each architecture it writes an HF checkpoint directory and what the reference computes on it:
  <arch>/config.json         Hugging Face config (model_type qwen2 / deepseek_v3)
  <arch>/model.safetensors   seeded fp32 weights under Hugging Face tensor names
  <arch>/expected.safetensors
      ids [B, T] int64              the batch
      logits [B, T, V]              main-model logits
      loss [1]                      the training loss (below) at the initial weights
      grad.<tensor> [...]           d loss / d tensor for every parameter
      losses [10]                   loss before each of ten AdamW steps on the same batch
      inter.<layer>.<name> [B,T,C]  named intermediates per decoder layer (attn_norm, attn_out,
                                    ffn_inp, ffn_norm, ffn_out, l_out) and inter.-1.result_norm
Loss: mean next-token cross-entropy; DeepSeek-V3 adds the MTP loss (lambda / D * sum_k CE_k) and the
sequence-wise balance loss of every MoE layer (alpha * sum_i f_i P_i, averaged over sequences).
Everything is computed in float64 from the fp32 weights and stored as fp32.

Regenerate (Debian's python3-torch; nothing else):
    /usr/bin/python3 tests/io/golden/make_golden.py tests/io/golden
The C++ side is tests/io/golden_model_test.cpp.
"""
import json
import math
import os
import struct
import sys

import torch

DT = torch.float64
B, T = 2, 8
STEPS = 10
ADAMW = dict(lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
# Routing must not sit near a tie anywhere on the trajectory (between the K-th and K+1-th expert,
# or the kept and dropped groups), or fp32 rounding could flip a choice: seeds that do are skipped.
MIN_ROUTING_MARGIN = 1e-3


# ---------------------------------------------------------------------------------------------
# safetensors, written by hand (the format: 8-byte little-endian header size, JSON header, bytes)

def save_safetensors(path, tensors):
    names = sorted(tensors)
    header, blobs, offset = {}, [], 0
    for n in names:
        t = tensors[n].detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[n] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ---------------------------------------------------------------------------------------------
# Shared pieces (modeling_qwen2.py / modeling_deepseek_v3.py)

def rms_norm(x, w, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def linear(x, w, b=None):
    y = x @ w.t()
    return y if b is None else y + b


def mlp(x, p, prefix):
    g = linear(x, p[prefix + "gate_proj.weight"])
    u = linear(x, p[prefix + "up_proj.weight"])
    return linear(torch.nn.functional.silu(g) * u, p[prefix + "down_proj.weight"])


def get_mscale(scale, mscale=1.0):
    return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0


def yarn_parameters(cfg, dim):
    """modeling_rope_utils._compute_yarn_parameters: (inv_freq [dim/2], attention_factor)."""
    rs = cfg["rope_scaling"]
    base = cfg["rope_theta"]
    factor = rs["factor"]
    original = rs.get("original_max_position_embeddings") or cfg["max_position_embeddings"]
    attention_factor = rs.get("attention_factor")
    mscale, mscale_all_dim = rs.get("mscale"), rs.get("mscale_all_dim")
    if attention_factor is None:
        if mscale and mscale_all_dim:
            attention_factor = get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim)
        else:
            attention_factor = get_mscale(factor)
    beta_fast = rs.get("beta_fast") or 32
    beta_slow = rs.get("beta_slow") or 1

    def correction_dim(rotations):
        return (dim * math.log(original / (rotations * 2 * math.pi))) / (2 * math.log(base))

    low = max(math.floor(correction_dim(beta_fast)), 0)
    high = min(math.ceil(correction_dim(beta_slow)), dim - 1)
    if low == high:
        high += 0.001
    ramp = ((torch.arange(dim // 2, dtype=DT) - low) / (high - low)).clamp(0, 1)
    pos_freqs = base ** (torch.arange(0, dim, 2, dtype=DT) / dim)
    extrapolation, interpolation = 1.0 / pos_freqs, 1.0 / (factor * pos_freqs)
    keep = 1 - ramp  # inv_freq_extrapolation_factor
    inv_freq = interpolation * (1 - keep) + extrapolation * keep
    # Both implementations hold inv_freq in fp32 (HF computes it in fp32).
    return inv_freq.float().to(DT), attention_factor


def rotary(cfg, dim, positions):
    """cos, sin [B, T, dim] (the halves layout: cat(freqs, freqs)), times the attention factor."""
    inv_freq, attention_factor = yarn_parameters(cfg, dim)
    freqs = positions.to(DT)[..., None] * inv_freq  # [B, T, dim/2]
    emb = torch.cat([freqs, freqs], -1)
    return emb.cos() * attention_factor, emb.sin() * attention_factor


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)


def apply_rotary(x, cos, sin):  # x [B, H, T, D]
    return x * cos[:, None] + rotate_half(x) * sin[:, None]


def apply_rotary_interleave(x, cos, sin):
    """modeling_deepseek_v3.apply_rotary_pos_emb_interleave: de-interleave pairs, then rotate_half."""
    b, h, s, d = x.shape
    x = x.view(b, h, s, d // 2, 2).transpose(4, 3).reshape(b, h, s, d)
    return apply_rotary(x, cos, sin)


def eager_attention(q, k, v, scaling):  # q [B, H, T, D], k/v [B, H, S, D]
    scores = (q @ k.transpose(-1, -2)) * scaling
    t = q.shape[2]
    causal = torch.ones(t, t, dtype=torch.bool).tril()
    scores = scores.masked_fill(~causal, float("-inf"))
    return torch.softmax(scores, -1) @ v


def cross_entropy(logits, targets):
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


# ---------------------------------------------------------------------------------------------
# Qwen2 (modeling_qwen2.py)

def qwen2_forward(cfg, p, ids, record):
    C, H, Hkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D = cfg.get("head_dim") or C // H
    eps = cfg["rms_norm_eps"]
    positions = torch.arange(ids.shape[1]).expand(ids.shape[0], -1)
    cos, sin = rotary(cfg, D, positions)
    x = p["model.embed_tokens.weight"][ids]
    for il in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{il}."
        h = rms_norm(x, p[pre + "input_layernorm.weight"], eps)
        record(il, "attn_norm", h)
        a = pre + "self_attn."
        b, t, _ = h.shape
        q = linear(h, p[a + "q_proj.weight"], p[a + "q_proj.bias"]).view(b, t, H, D).transpose(1, 2)
        k = linear(h, p[a + "k_proj.weight"], p[a + "k_proj.bias"]).view(b, t, Hkv, D).transpose(1, 2)
        v = linear(h, p[a + "v_proj.weight"], p[a + "v_proj.bias"]).view(b, t, Hkv, D).transpose(1, 2)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        # repeat_kv: query head j reads key/value head j // (H / Hkv)
        k = k[:, :, None].expand(b, Hkv, H // Hkv, t, D).reshape(b, H, t, D)
        v = v[:, :, None].expand(b, Hkv, H // Hkv, t, D).reshape(b, H, t, D)
        o = eager_attention(q, k, v, D ** -0.5).transpose(1, 2).reshape(b, t, H * D)
        o = linear(o, p[a + "o_proj.weight"])
        record(il, "attn_out", o)
        x = x + o
        record(il, "ffn_inp", x)
        h = rms_norm(x, p[pre + "post_attention_layernorm.weight"], eps)
        record(il, "ffn_norm", h)
        f = mlp(h, p, pre + "mlp.")
        record(il, "ffn_out", f)
        x = x + f
        record(il, "l_out", x)
    x = rms_norm(x, p["model.norm.weight"], eps)
    record(-1, "result_norm", x)
    head = p["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else p["lm_head.weight"]
    return linear(x, head)


def qwen2_loss(cfg, p, ids, record=lambda *a: None):
    logits = qwen2_forward(cfg, p, ids, record)
    return cross_entropy(logits[:, :-1], ids[:, 1:]), logits


def qwen2_weights(cfg, gen):
    C, H, Hkv, V, I = (cfg[k] for k in ("hidden_size", "num_attention_heads", "num_key_value_heads",
                                         "vocab_size", "intermediate_size"))
    D = cfg.get("head_dim") or C // H
    w = {"model.embed_tokens.weight": randn(gen, V, C, std=0.5), "model.norm.weight": 1 + randn(gen, C, std=0.1)}
    for il in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{il}."
        w[pre + "input_layernorm.weight"] = 1 + randn(gen, C, std=0.1)
        w[pre + "post_attention_layernorm.weight"] = 1 + randn(gen, C, std=0.1)
        for name, out in (("q_proj", H * D), ("k_proj", Hkv * D), ("v_proj", Hkv * D)):
            w[pre + f"self_attn.{name}.weight"] = randn(gen, out, C, std=C ** -0.5)
            w[pre + f"self_attn.{name}.bias"] = randn(gen, out, std=0.1)
        w[pre + "self_attn.o_proj.weight"] = randn(gen, C, H * D, std=(H * D) ** -0.5)
        w[pre + "mlp.gate_proj.weight"] = randn(gen, I, C, std=C ** -0.5)
        w[pre + "mlp.up_proj.weight"] = randn(gen, I, C, std=C ** -0.5)
        w[pre + "mlp.down_proj.weight"] = randn(gen, C, I, std=I ** -0.5)
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = randn(gen, V, C, std=C ** -0.5)
    return w


QWEN2 = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 32, "hidden_size": 16,
    "intermediate_size": 16, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "max_position_embeddings": 64,
    "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 16},
    "tie_word_embeddings": True, "use_sliding_window": False, "bos_token_id": 0, "eos_token_id": 1,
    "torch_dtype": "float32",
}


# ---------------------------------------------------------------------------------------------
# DeepSeek-V3 (modeling_deepseek_v3.py; MTP and the balance loss from the paper)

def ds_attention(cfg, p, a, h, cos, sin):
    b, t, _ = h.shape
    H, eps = cfg["num_attention_heads"], cfg["rms_norm_eps"]
    dn, dr, dv, r = cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"], cfg["kv_lora_rank"]
    if cfg["q_lora_rank"]:
        q = linear(rms_norm(linear(h, p[a + "q_a_proj.weight"]), p[a + "q_a_layernorm.weight"], eps),
                   p[a + "q_b_proj.weight"])
    else:
        q = linear(h, p[a + "q_proj.weight"])
    q = q.view(b, t, H, dn + dr).transpose(1, 2)
    q_pass, q_rot = q[..., :dn], q[..., dn:]
    kv = linear(h, p[a + "kv_a_proj_with_mqa.weight"])
    k_pass, k_rot = kv[..., :r], kv[..., r:]
    k_pass = linear(rms_norm(k_pass, p[a + "kv_a_layernorm.weight"], eps), p[a + "kv_b_proj.weight"])
    k_pass = k_pass.view(b, t, H, dn + dv).transpose(1, 2)
    k_pass, value = k_pass[..., :dn], k_pass[..., dn:]
    k_rot = k_rot.view(b, 1, t, dr)
    rot = apply_rotary_interleave if cfg["rope_interleave"] else apply_rotary
    q_rot, k_rot = rot(q_rot, cos, sin), rot(k_rot, cos, sin)
    k_rot = k_rot.expand(b, H, t, dr)
    query, key = torch.cat([q_pass, q_rot], -1), torch.cat([k_pass, k_rot], -1)
    scaling = (dn + dr) ** -0.5
    rs = cfg["rope_scaling"]
    if rs.get("mscale_all_dim"):
        m = get_mscale(rs["factor"], rs["mscale_all_dim"])
        scaling = scaling * m * m
    o = eager_attention(query, key, value, scaling).transpose(1, 2).reshape(b, t, H * dv)
    return linear(o, p[a + "o_proj.weight"])


def ds_moe(cfg, p, m, h, balance, margins):
    b, t, C = h.shape
    E, K = cfg["n_routed_experts"], cfg["num_experts_per_tok"]
    G, TG = cfg["n_group"], cfg["topk_group"]
    x = h.reshape(-1, C)
    scores = torch.sigmoid(linear(x, p[m + "gate.weight"]))  # [N, E]
    with torch.no_grad():
        choice = scores + p[m + "gate.e_score_correction_bias"]
        group_scores = choice.view(-1, G, E // G).topk(2, -1)[0].sum(-1)  # [N, G]
        gs = group_scores.sort(-1, descending=True)[0]
        margins.append((gs[:, TG - 1] - gs[:, TG]).min().item())
        group_idx = group_scores.topk(TG, -1)[1]
        group_mask = torch.zeros_like(group_scores).scatter_(1, group_idx, 1)
        score_mask = group_mask[:, :, None].expand(-1, G, E // G).reshape(-1, E)
        choice = choice.masked_fill(score_mask == 0, float("-inf"))
        cs = choice.sort(-1, descending=True)[0]
        margins.append((cs[:, K - 1] - cs[:, K]).min().item())
        idx = choice.topk(K, -1)[1]  # [N, K]
    weights = scores.gather(1, idx)
    if cfg["norm_topk_prob"]:
        weights = weights / (weights.sum(-1, keepdim=True) + 1e-20)
    weights = weights * cfg["routed_scaling_factor"]
    y = torch.zeros_like(x)
    for e in range(E):
        tok, slot = (idx == e).nonzero(as_tuple=True)
        if tok.numel():
            y = y.index_add(0, tok, mlp(x[tok], p, m + f"experts.{e}.") * weights[tok, slot, None])
    y = y + mlp(x, p, m + "shared_experts.")
    # Sequence-wise balance loss: f_i = E / (K T) * (tokens of the sequence routed to i),
    # P_i = mean over the sequence of s_i / sum_j s_j; alpha * sum_i f_i P_i, averaged over sequences.
    chosen = torch.zeros_like(scores).scatter_(1, idx, 1).view(b, t, E)
    f = chosen.sum(1) * (E / (K * t))
    P = (scores / scores.sum(-1, keepdim=True)).view(b, t, E).mean(1)
    balance.append(cfg["aux_loss_alpha"] * (f * P).sum(-1).mean())
    return y.view(b, t, C)


def ds_block(cfg, p, il, x, cos, sin, balance, margins, record):
    pre, eps = f"model.layers.{il}.", cfg["rms_norm_eps"]
    h = rms_norm(x, p[pre + "input_layernorm.weight"], eps)
    record(il, "attn_norm", h)
    a = ds_attention(cfg, p, pre + "self_attn.", h, cos, sin)
    record(il, "attn_out", a)
    x = x + a
    record(il, "ffn_inp", x)
    h = rms_norm(x, p[pre + "post_attention_layernorm.weight"], eps)
    record(il, "ffn_norm", h)
    dense = il < cfg["first_k_dense_replace"]
    f = mlp(h, p, pre + "mlp.") if dense else ds_moe(cfg, p, pre + "mlp.", h, balance, margins)
    record(il, "ffn_out", f)
    x = x + f
    record(il, "l_out", x)
    return x


def ds_loss(cfg, p, ids, record=lambda *a: None, margins=None):
    margins = [] if margins is None else margins
    eps, L = cfg["rms_norm_eps"], cfg["num_hidden_layers"]
    dr = cfg["qk_rope_head_dim"]
    b, t = ids.shape
    balance = []
    emb = p["model.embed_tokens.weight"]
    head = emb if cfg["tie_word_embeddings"] else p["lm_head.weight"]
    cos, sin = rotary(cfg, dr, torch.arange(t).expand(b, -1))
    x = emb[ids]
    for il in range(L):
        x = ds_block(cfg, p, il, x, cos, sin, balance, margins, record)
    hidden = rms_norm(x, p["model.norm.weight"], eps)
    record(-1, "result_norm", hidden)
    logits = linear(hidden, head)
    loss = cross_entropy(logits[:, :-1], ids[:, 1:])
    # Multi-token prediction: module k combines h_i (depth k-1; depth 0 = the main model's final
    # normed hidden state) with Emb(t_{i+k}) and predicts t_{i+k+1}.
    D = cfg["num_nextn_predict_layers"]
    h, mtp = hidden, 0.0
    for k in range(1, D + 1):
        n = t - k
        pre = f"model.layers.{L + k - 1}."
        e = rms_norm(emb[ids[:, k:k + n]], p[pre + "enorm.weight"], eps)
        hh = rms_norm(h[:, :n], p[pre + "hnorm.weight"], eps)
        z = linear(torch.cat([e, hh], -1), p[pre + "eh_proj.weight"])
        c, s = rotary(cfg, dr, torch.arange(n).expand(b, -1))
        h = ds_block(cfg, p, L + k - 1, z, c, s, balance, margins, lambda *a: None)
        lg = linear(rms_norm(h[:, :n - 1], p[pre + "shared_head.norm.weight"], eps), head)
        mtp = mtp + cross_entropy(lg, ids[:, k + 1:k + n])
    loss = loss + mtp * (cfg["mtp_loss_weight"] / D) + sum(balance)
    return loss, logits


def ds_weights(cfg, gen):
    C, H, V = cfg["hidden_size"], cfg["num_attention_heads"], cfg["vocab_size"]
    dn, dr, dv, r, rq = (cfg[k] for k in ("qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim",
                                           "kv_lora_rank", "q_lora_rank"))
    E, I, Im = cfg["n_routed_experts"], cfg["intermediate_size"], cfg["moe_intermediate_size"]
    w = {"model.embed_tokens.weight": randn(gen, V, C, std=0.5), "model.norm.weight": 1 + randn(gen, C, std=0.1)}

    def swiglu(prefix, width):
        w[prefix + "gate_proj.weight"] = randn(gen, width, C, std=C ** -0.5)
        w[prefix + "up_proj.weight"] = randn(gen, width, C, std=C ** -0.5)
        w[prefix + "down_proj.weight"] = randn(gen, C, width, std=width ** -0.5)

    L, D = cfg["num_hidden_layers"], cfg["num_nextn_predict_layers"]
    for il in range(L + D):
        pre = f"model.layers.{il}."
        w[pre + "input_layernorm.weight"] = 1 + randn(gen, C, std=0.1)
        w[pre + "post_attention_layernorm.weight"] = 1 + randn(gen, C, std=0.1)
        a = pre + "self_attn."
        w[a + "q_a_proj.weight"] = randn(gen, rq, C, std=C ** -0.5)
        w[a + "q_a_layernorm.weight"] = 1 + randn(gen, rq, std=0.1)
        w[a + "q_b_proj.weight"] = randn(gen, H * (dn + dr), rq, std=rq ** -0.5)
        w[a + "kv_a_proj_with_mqa.weight"] = randn(gen, r + dr, C, std=C ** -0.5)
        w[a + "kv_a_layernorm.weight"] = 1 + randn(gen, r, std=0.1)
        w[a + "kv_b_proj.weight"] = randn(gen, H * (dn + dv), r, std=r ** -0.5)
        w[a + "o_proj.weight"] = randn(gen, C, H * dv, std=(H * dv) ** -0.5)
        if il < cfg["first_k_dense_replace"]:
            swiglu(pre + "mlp.", I)
        else:
            w[pre + "mlp.gate.weight"] = randn(gen, E, C, std=1.0)
            w[pre + "mlp.gate.e_score_correction_bias"] = randn(gen, E, std=0.05)
            for e in range(E):
                swiglu(pre + f"mlp.experts.{e}.", Im)
            swiglu(pre + "mlp.shared_experts.", Im * cfg["n_shared_experts"])
        if il >= L:
            w[pre + "enorm.weight"] = 1 + randn(gen, C, std=0.1)
            w[pre + "hnorm.weight"] = 1 + randn(gen, C, std=0.1)
            w[pre + "eh_proj.weight"] = randn(gen, C, 2 * C, std=(2 * C) ** -0.5)
            w[pre + "shared_head.norm.weight"] = 1 + randn(gen, C, std=0.1)
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = randn(gen, V, C, std=C ** -0.5)
    return w


DEEPSEEK_V3 = {
    "architectures": ["DeepseekV3ForCausalLM"], "model_type": "deepseek_v3", "vocab_size": 24, "hidden_size": 8,
    "intermediate_size": 16, "moe_intermediate_size": 4, "num_hidden_layers": 2, "num_attention_heads": 2,
    "num_key_value_heads": 2, "q_lora_rank": 6, "kv_lora_rank": 6, "qk_nope_head_dim": 4, "qk_rope_head_dim": 4,
    "v_head_dim": 4, "n_routed_experts": 4, "n_shared_experts": 1, "num_experts_per_tok": 2, "n_group": 2,
    "topk_group": 1, "routed_scaling_factor": 2.5, "first_k_dense_replace": 1, "norm_topk_prob": True,
    "scoring_func": "sigmoid", "topk_method": "noaux_tc", "aux_loss_alpha": 0.01, "num_nextn_predict_layers": 1,
    "mtp_loss_weight": 0.3, "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
    "max_position_embeddings": 64, "rope_interleave": True, "attention_bias": False,
    "rope_scaling": {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 16, "beta_fast": 32,
                     "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 0.8},
    "tie_word_embeddings": False, "bos_token_id": 0, "eos_token_id": 1, "torch_dtype": "float32",
}


# ---------------------------------------------------------------------------------------------

def randn(gen, *shape, std):
    return torch.randn(*shape, generator=gen, dtype=torch.float32) * std


def make(out_dir, name, cfg, weights_fn, loss_fn, seed):
    gen = torch.Generator().manual_seed(seed)
    w32 = weights_fn(cfg, gen)
    ids = torch.randint(0, cfg["vocab_size"], (B, T), generator=gen)
    params = {k: v.to(DT).requires_grad_(True) for k, v in w32.items() if not k.endswith("correction_bias")}
    buffers = {k: v.to(DT) for k, v in w32.items() if k.endswith("correction_bias")}
    p = {**params, **buffers}

    inter = {}
    margins = []

    def record(il, nm, t):
        inter[f"inter.{il}.{nm}"] = t.detach().float()

    kw = {"margins": margins} if loss_fn is ds_loss else {}
    loss, logits = loss_fn(cfg, p, ids, record, **kw)
    loss.backward()
    expected = {"ids": ids, "logits": logits.detach().float(), "loss": loss.detach().float().reshape(1)}
    expected.update(inter)
    for k, v in params.items():
        expected["grad." + k] = v.grad.float()

    opt = torch.optim.AdamW(list(params.values()), **ADAMW)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        l, _ = loss_fn(cfg, p, ids, **kw)
        losses.append(l.item())
        l.backward()
        opt.step()
    expected["losses"] = torch.tensor(losses, dtype=torch.float32)
    if margins and min(margins) < MIN_ROUTING_MARGIN:
        return False

    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    save = dict(w32)
    if name == "deepseek_v3":  # released V3 checkpoints repeat the embedding and head in each MTP module
        for k in range(cfg["num_nextn_predict_layers"]):
            pre = f"model.layers.{cfg['num_hidden_layers'] + k}."
            save[pre + "embed_tokens.weight"] = w32["model.embed_tokens.weight"]
            save[pre + "shared_head.head.weight"] = w32["lm_head.weight"]
    save_safetensors(os.path.join(d, "model.safetensors"), save)
    save_safetensors(os.path.join(d, "expected.safetensors"), expected)
    margin = f", smallest routing margin {min(margins):.2e}" if margins else ""
    print(f"{name} (seed {seed}): loss {loss.item():.6f}, losses {losses[0]:.6f} -> {losses[-1]:.6f}{margin}")
    return True


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    torch.set_num_threads(1)
    make(out, "qwen2", QWEN2, qwen2_weights, qwen2_loss, seed=1234)
    seed = 4321
    while not make(out, "deepseek_v3", DEEPSEEK_V3, ds_weights, ds_loss, seed):
        seed += 1


if __name__ == "__main__":
    main()
