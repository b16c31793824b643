#!/usr/bin/python3
"""The PyTorch-eager peer of `make bench`: r1cpp's Qwen2 as a competent PyTorch user writes it,
on Debian's python3-torch (1.13), loading the same checkpoint directory r1cpp loads.

The model follows Hugging Face's modeling_qwen2.py (Qwen2RMSNorm, rotate-half RoPE, GQA with q/k/v
bias, SwiGLU MLP, tied or untied head); generation is what a user writes for RL rollouts: batched,
a preallocated KV cache, torch.inference_mode, each prompt prefilled once and its cache rows fanned
out to the G samples of its group, torch.multinomial at T = 1. Finished rows are either kept
(padded, as transformers' generate does) or dropped from the batch (--finished drop); the
orchestrator runs both and reports the faster.

  torch_eager.py rollout --model DIR [--prompts 8 --group 8 --prompt_len 16 --new_tokens 48
                         --stop_token -1 --finished keep|drop --min_seconds 3]
  torch_eager.py train   --model DIR [--batch 64 --seq 40 --steps 3]
  torch_eager.py check   --model DIR --r1_logits FILE.safetensors   (written by `r1 score`)
Each prints one JSON object. --threads N sets torch's intra-op threads; OpenBLAS reads
OPENBLAS_NUM_THREADS, which the orchestrator sets before starting this process.
bench/driver/workloads.h is the r1cpp side of the same workloads: keep the two in step.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import checkpoint  # bench/peers/checkpoint.py


def read_checkpoint(model_dir):
    """(config.json as a dict, name -> float32/int64 torch tensor)."""
    tensors = {}
    for name, (dtype, arr) in checkpoint.read_arrays(model_dir).items():
        floating = dtype in ("F32", "F16", "F64", "BF16")
        tensors[name] = torch.from_numpy(checkpoint.as_float32(dtype, arr) if floating else arr.astype(np.int64))
    return checkpoint.read_config(model_dir), tensors


# --- the model, from transformers' modeling_qwen2.py ---------------------------------------------

class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.to(torch.float32)
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class KVCache:
    """Preallocated keys and values per layer, [B, Hkv, S, D]; `length` slots are filled."""

    def __init__(self, layers, batch, kv_heads, capacity, head_dim):
        self.k = [torch.zeros(batch, kv_heads, capacity, head_dim) for _ in range(layers)]
        self.v = [torch.zeros(batch, kv_heads, capacity, head_dim) for _ in range(layers)]
        self.length = 0

    def select_rows(self, index):
        self.k = [k.index_select(0, index) for k in self.k]
        self.v = [v.index_select(0, index) for v in self.v]


class Attention(nn.Module):
    def __init__(self, c, layer):
        super().__init__()
        self.layer = layer
        self.heads, self.kv_heads, self.head_dim = c["heads"], c["kv_heads"], c["head_dim"]
        C = c["hidden"]
        self.q_proj = nn.Linear(C, self.heads * self.head_dim, bias=True)
        self.k_proj = nn.Linear(C, self.kv_heads * self.head_dim, bias=True)
        self.v_proj = nn.Linear(C, self.kv_heads * self.head_dim, bias=True)
        self.o_proj = nn.Linear(self.heads * self.head_dim, C, bias=False)
        self.scale = self.head_dim ** -0.5

    def forward(self, x, cos, sin, cache):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.heads, self.head_dim).transpose(1, 2)     # [B, H, T, D]
        k = self.k_proj(x).view(B, T, self.kv_heads, self.head_dim).transpose(1, 2)  # [B, Hkv, T, D]
        v = self.v_proj(x).view(B, T, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        offset = 0
        if cache is not None:
            offset = cache.length
            cache.k[self.layer][:, :, offset:offset + T] = k
            cache.v[self.layer][:, :, offset:offset + T] = v
            k = cache.k[self.layer][:, :, :offset + T]                                  # [B, Hkv, S, D]
            v = cache.v[self.layer][:, :, :offset + T]
        S = k.shape[2]
        # HF's eager attention with the KV heads broadcast over their query group instead of
        # repeat_kv's copies: [B, Hkv, G, T, D] @ [B, Hkv, 1, D, S].
        G = self.heads // self.kv_heads
        qg = q.view(B, self.kv_heads, G, T, self.head_dim)
        scores = torch.matmul(qg, k.unsqueeze(2).transpose(-1, -2)) * self.scale       # [B, Hkv, G, T, S]
        if T > 1:  # a prompt: causal; a decode step sees every cached slot
            causal = torch.ones(T, S, dtype=torch.bool).tril(diagonal=offset)
            scores = scores.masked_fill(~causal, float("-inf"))
        probs = torch.softmax(scores.float(), dim=-1).to(q.dtype)
        out = torch.matmul(probs, v.unsqueeze(2)).view(B, self.heads, T, self.head_dim)
        return self.o_proj(out.transpose(1, 2).reshape(B, T, self.heads * self.head_dim))


class MLP(nn.Module):
    def __init__(self, C, hidden):
        super().__init__()
        self.gate_proj = nn.Linear(C, hidden, bias=False)
        self.up_proj = nn.Linear(C, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, C, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c, layer):
        super().__init__()
        self.input_layernorm = RMSNorm(c["hidden"], c["eps"])
        self.self_attn = Attention(c, layer)
        self.post_attention_layernorm = RMSNorm(c["hidden"], c["eps"])
        self.mlp = MLP(c["hidden"], c["mlp"])

    def forward(self, x, cos, sin, cache):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, cache)
        return x + self.mlp(self.post_attention_layernorm(x))


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab"], c["hidden"])
        self.layers = nn.ModuleList(DecoderLayer(c, i) for i in range(c["layers"]))
        self.norm = RMSNorm(c["hidden"], c["eps"])


class Qwen2ForCausalLM(nn.Module):
    """Submodule names are HF's, so state_dict keys are the checkpoint's tensor names."""

    def __init__(self, config):
        super().__init__()
        if config.get("rope_scaling") not in (None, {}) and config["rope_scaling"].get("type", "none") not in ("none", "default"):
            raise SystemExit("torch_eager.py: rope_scaling is not supported by this peer (bench models use none)")
        heads = config["num_attention_heads"]
        self.c = {
            "vocab": config["vocab_size"], "hidden": config["hidden_size"], "mlp": config["intermediate_size"],
            "layers": config["num_hidden_layers"], "heads": heads,
            "kv_heads": config.get("num_key_value_heads", heads),
            "head_dim": config.get("head_dim") or config["hidden_size"] // heads,
            "eps": config.get("rms_norm_eps", 1e-6), "theta": config.get("rope_theta", 10000.0),
            "tied": config.get("tie_word_embeddings", False),
        }
        self.model = Decoder(self.c)
        self.lm_head = None if self.c["tied"] else nn.Linear(self.c["hidden"], self.c["vocab"], bias=False)
        d = self.c["head_dim"]
        self.inv_freq = 1.0 / (self.c["theta"] ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))

    def load(self, tensors, where):
        state = {k: v for k, v in tensors.items() if not (self.c["tied"] and k == "lm_head.weight")}
        missing, unexpected = self.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise SystemExit(f"{where}: checkpoint does not fit the Qwen2 model: missing {missing}, unexpected {unexpected}")

    def new_cache(self, batch, capacity):
        return KVCache(self.c["layers"], batch, self.c["kv_heads"], capacity, self.c["head_dim"])

    def forward(self, ids, cache=None):
        """ids [B, T] -> logits [B, T, V]; with a cache, the tokens follow cache.length slots."""
        B, T = ids.shape
        offset = cache.length if cache is not None else 0
        positions = torch.arange(offset, offset + T, dtype=torch.float32)
        freqs = positions[:, None] * self.inv_freq[None, :]                   # [T, D/2]
        emb = torch.cat((freqs, freqs), dim=-1)                                # [T, D]
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]                # [1, 1, T, D]
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer(x, cos, sin, cache)
        if cache is not None:
            cache.length += T
        x = self.model.norm(x)
        head = self.model.embed_tokens.weight if self.lm_head is None else self.lm_head.weight
        return F.linear(x, head)


def load_model(model_dir):
    config, tensors = read_checkpoint(model_dir)
    if config.get("model_type", "qwen2") != "qwen2":
        raise SystemExit(f"{model_dir}/config.json: model_type {config.get('model_type')!r}; this peer runs qwen2")
    m = Qwen2ForCausalLM(config)
    m.load(tensors, model_dir)
    return m


# --- workloads ------------------------------------------------------------------------------------

def bench_prompts(count, length, vocab):
    """bench/driver/workloads.cpp's prompts: position t of prompt i holds (i*31 + t*7) % (V - 1)."""
    return torch.tensor([[(i * 31 + t * 7) % (vocab - 1) for t in range(length)] for i in range(count)])


@torch.inference_mode()
def rollout(model, prompts, group, new_tokens, stop_token, finished, pad=0):
    """One GRPO rollout step; returns (generated tokens, rows ending on the stop token)."""
    N, P = prompts.shape
    cache = model.new_cache(N, P + new_tokens)
    logits = model(prompts, cache)[:, -1]                          # [N, V]: one prefill per prompt
    fan_out = torch.arange(N).repeat_interleave(group)             # [R]
    cache.select_rows(fan_out)
    logits = logits.index_select(0, fan_out)
    R = N * group
    done = torch.zeros(R, dtype=torch.bool)
    generated, stopped = 0, 0
    for step in range(new_tokens):
        nxt = torch.multinomial(torch.softmax(logits.float(), dim=-1), 1).squeeze(1)   # [rows]
        hit = nxt == stop_token if stop_token >= 0 else torch.zeros_like(done)
        if finished == "keep":  # transformers' generate: finished rows run on, emitting padding
            generated += int((~done).sum())
            stopped += int((hit & ~done).sum())
            nxt = torch.where(done, torch.full_like(nxt, pad), nxt)
            done = done | hit
            if bool(done.all()) or step + 1 == new_tokens:
                break
        else:  # drop: a finished row leaves the batch and its cache rows are freed at once
            generated += nxt.numel()
            n_hit = int(hit.sum())
            stopped += n_hit
            if n_hit == nxt.numel() or step + 1 == new_tokens:
                break
            if n_hit:
                keep = (~hit).nonzero().squeeze(1)
                cache.select_rows(keep)
                nxt = nxt.index_select(0, keep)
        logits = model(nxt[:, None], cache)[:, -1]
    return generated, stopped


def run_rollout(model, a):
    prompts = bench_prompts(a.prompts, a.prompt_len, model.c["vocab"])
    torch.manual_seed(0)
    rollout(model, prompts, a.group, a.new_tokens, a.stop_token, a.finished)  # warm-up
    tokens = stopped = reps = 0
    t0 = time.perf_counter()
    while reps == 0 or time.perf_counter() - t0 < a.min_seconds:
        g, s = rollout(model, prompts, a.group, a.new_tokens, a.stop_token, a.finished)
        tokens, stopped, reps = tokens + g, stopped + s, reps + 1
    el = time.perf_counter() - t0
    rows = reps * a.prompts * a.group
    return {"tokens_per_s": tokens / el, "reps": reps, "mean_length": tokens / rows,
            "stopped_fraction": stopped / rows, "finished": a.finished}


def run_train(model, a):
    """r1cpp's pretraining step (train/lm_trainer): token-mean cross-entropy, backward, grad-norm clip
    at 1, AdamW (lr 1e-3, betas 0.9/0.95, weight decay 0.01) — one warm-up step, then `steps` timed."""
    V = model.c["vocab"]
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.01, foreach=a.foreach)
    gen = torch.Generator().manual_seed(0)

    def step():
        ids = torch.randint(0, V, (a.batch, a.seq + 1), generator=gen)
        logits = model(ids[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, V), ids[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    el = time.perf_counter() - t0
    return {"tokens_per_s": a.batch * a.seq * a.steps / el, "seconds_per_step": el / a.steps,
            "parameters": sum(p.numel() for p in model.parameters()), "foreach": a.foreach}


@torch.inference_mode()
def run_check(model, a):
    """Logits of the ids `r1 score` scored, against r1cpp's, by a full forward and by the KV-cache
    path (half the ids prefilled, the rest one token at a time) — the path the rollout times."""
    ref = checkpoint.read_safetensors(a.r1_logits)
    if "ids" not in ref or "logits" not in ref:
        raise SystemExit(f"{a.r1_logits}: needs tensors 'ids' and 'logits' (as `r1 score` writes them)")
    ids = torch.from_numpy(ref["ids"][1].astype(np.int64))[None]              # [1, T]
    r1_logits = torch.from_numpy(checkpoint.as_float32(*ref["logits"]))        # [T, V]
    full = model(ids)[0]
    T = ids.shape[1]
    cache = model.new_cache(1, T)
    half = T // 2
    parts = [model(ids[:, :half], cache)[0]] + [model(ids[:, t:t + 1], cache)[0] for t in range(half, T)]
    cached = torch.cat(parts, 0)
    scale = float(r1_logits.abs().max())
    diff_full = float((full - r1_logits).abs().max())
    diff_cached = float((cached - r1_logits).abs().max())
    tol = 1e-3 * max(1.0, scale)
    return {"tokens": T, "max_abs_logit": scale, "max_diff_full": diff_full, "max_diff_cached": diff_cached,
            "tolerance": tol, "agree": diff_full <= tol and diff_cached <= tol}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("command", choices=["rollout", "train", "check"])
    p.add_argument("--model", required=True, help="checkpoint directory (config.json + safetensors)")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    p.add_argument("--prompts", type=int, default=8)
    p.add_argument("--group", type=int, default=8)
    p.add_argument("--prompt_len", type=int, default=16)
    p.add_argument("--new_tokens", type=int, default=48)
    p.add_argument("--stop_token", type=int, default=-1)
    p.add_argument("--finished", choices=["keep", "drop"], default="keep")
    p.add_argument("--min_seconds", type=float, default=3.0)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seq", type=int, default=40)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--foreach", type=int, default=1, help="AdamW's multi-tensor (foreach) update: 1 or 0")
    p.add_argument("--r1_logits", help="check: the safetensors `r1 score` wrote")
    a = p.parse_args()
    a.foreach = bool(a.foreach)
    torch.set_num_threads(a.threads)
    model = load_model(a.model)
    if a.command == "rollout":
        out = run_rollout(model, a)
    elif a.command == "train":
        out = run_train(model, a)
    else:
        if not a.r1_logits:
            raise SystemExit("torch_eager.py check: --r1_logits FILE (from `r1 score`) is required")
        out = run_check(model, a)
    out["threads"] = {"torch": a.threads, "openblas": os.environ.get("OPENBLAS_NUM_THREADS", "default")}
    out["torch_version"] = torch.__version__
    print(json.dumps(out))
    return 0 if out.get("agree", True) else 1


if __name__ == "__main__":
    sys.exit(main())
