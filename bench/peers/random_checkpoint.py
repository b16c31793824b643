#!/usr/bin/python3
"""Writes a Hugging Face Qwen2 checkpoint of a published shape with random bf16 weights, tensor by
tensor (never the whole model in memory, no numpy or torch needed), for the memory checks of the
quantized load (bench/quant_memory.sh): the weights' values do not matter there, only their shapes
and that activations stay finite.

  bench/peers/random_checkpoint.py --shape qwen2.5-7b --out DIR [--tokenizer tokenizer.json]
                                   [--shard_gb 4]

Weights are N(0, 0.02) (a 1M-value block drawn once, then read at a rotating offset), norms 1,
biases 0; shards of at most --shard_gb GB with model.safetensors.index.json, as transformers writes.
"""
import argparse
import json
import os
import random
import shutil
import struct

SHAPES = {
    # Qwen2.5-7B's config.json (the dims R1-Distill-Qwen-7B shares).
    "qwen2.5-7b": dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
                       num_key_value_heads=4, vocab_size=152064, tie_word_embeddings=False,
                       max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6),
    "qwen2.5-1.5b": dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                         num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True,
                         max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6),
    "qwen2.5-0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                         num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True,
                         max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6),
}


def tensors_of(c):
    """(name, shape, kind) in the order transformers lists a Qwen2 model; kind: w, one, zero."""
    C, I, V = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    D = C // c["num_attention_heads"]
    KV = c["num_key_value_heads"] * D
    out = [("model.embed_tokens.weight", (V, C), "w")]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out += [(p + "input_layernorm.weight", (C,), "one"),
                (p + "self_attn.q_proj.weight", (C, C), "w"), (p + "self_attn.q_proj.bias", (C,), "zero"),
                (p + "self_attn.k_proj.weight", (KV, C), "w"), (p + "self_attn.k_proj.bias", (KV,), "zero"),
                (p + "self_attn.v_proj.weight", (KV, C), "w"), (p + "self_attn.v_proj.bias", (KV,), "zero"),
                (p + "self_attn.o_proj.weight", (C, C), "w"),
                (p + "post_attention_layernorm.weight", (C,), "one"),
                (p + "mlp.gate_proj.weight", (I, C), "w"), (p + "mlp.up_proj.weight", (I, C), "w"),
                (p + "mlp.down_proj.weight", (C, I), "w")]
    out.append(("model.norm.weight", (C,), "one"))
    if not c["tie_word_embeddings"]:
        out.append(("lm_head.weight", (V, C), "w"))
    return out


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def bf16_block(n, std, seed):
    rng = random.Random(seed)
    vals = struct.pack(f"<{n}f", *(rng.gauss(0.0, std) for _ in range(n)))
    # bf16 = the top half of each fp32 (truncation is fine for random weights)
    return b"".join(vals[i + 2:i + 4] for i in range(0, len(vals), 4))


def write_shard(path, entries, block):
    header, offset = {}, 0
    for name, shape, _ in entries:
        nbytes = numel(shape) * 2
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    one, zero = struct.pack("<H", 0x3F80), b"\0\0"
    rot = 0
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for name, shape, kind in entries:
            nbytes = numel(shape) * 2
            if kind != "w":
                f.write((one if kind == "one" else zero) * (nbytes // 2))
                continue
            left = nbytes
            while left:
                start = rot % len(block)
                chunk = block[start:start + min(left, len(block) - start)]
                f.write(chunk)
                left -= len(chunk)
                rot += 2 * 7919  # a different phase per chunk
    os.replace(path + ".tmp", path)
    return offset


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", choices=sorted(SHAPES), required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--tokenizer", help="a tokenizer.json to copy in (r1 generate needs one)")
    p.add_argument("--shard_gb", type=float, default=4.0)
    a = p.parse_args()
    c = dict(SHAPES[a.shape])
    os.makedirs(a.out, exist_ok=True)
    config = dict(c, architectures=["Qwen2ForCausalLM"], model_type="qwen2", hidden_act="silu",
                  torch_dtype="bfloat16", bos_token_id=151643, eos_token_id=151643, use_sliding_window=False,
                  initializer_range=0.02)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    if a.tokenizer:
        shutil.copy(a.tokenizer, os.path.join(a.out, "tokenizer.json"))

    block = bf16_block(1 << 20, 0.02, 1)
    limit = int(a.shard_gb * 1e9)
    shards, cur, size = [], [], 0
    for t in tensors_of(c):
        b = numel(t[1]) * 2
        if cur and size + b > limit:
            shards.append(cur)
            cur, size = [], 0
        cur.append(t)
        size += b
    shards.append(cur)
    weight_map, total = {}, 0
    for i, entries in enumerate(shards):
        name = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        total += write_shard(os.path.join(a.out, name), entries, block)
        for e in entries:
            weight_map[e[0]] = name
        print(f"wrote {name} ({len(entries)} tensors)", flush=True)
    with open(os.path.join(a.out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    print(json.dumps({"dir": a.out, "shape": a.shape, "bytes": total}))


if __name__ == "__main__":
    main()
