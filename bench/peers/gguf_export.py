#!/usr/bin/python3
"""A small GGUF writer for the bench's llama.cpp decode peer: a Qwen2 checkpoint directory
(config.json + safetensors) -> one GGUF file llama.cpp loads: f32 tensors, or the weight matrices in
Q8_0 / Q4_0 blocks quantized as ggml's reference quantizers do (quantize_row_q8_0_ref /
quantize_row_q4_0_ref; with q4_0 the output head — token_embd of a tied model — is Q8_0, as
`r1 export` and `r1 --quant int4` keep it). Norms and biases stay f32.

Only what the bench needs until `r1 export --format gguf` exists (branch quant-gguf): scripts/bench.sh
uses that command when the r1 binary has it, and this script otherwise. The layout follows
llama.cpp's convert_hf_to_gguf.py for Qwen2 (tensor names blk.N.attn_q ..., no q/k permutation:
llama.cpp runs qwen2 with the rotate-half (NEOX) RoPE HF uses). The vocabulary is a placeholder of
the right size (the bench feeds token ids, never text): the 256 byte-level symbols, then "<tN>".

  gguf_export.py MODEL_DIR OUT.gguf [f32|q8_0|q4_0]
"""
import os
import struct
import sys

import numpy as np

import checkpoint  # bench/peers/checkpoint.py

GGUF_VERSION = 3
ALIGNMENT = 32
# gguf value types
U32, I32, F32, BOOL, STRING, ARRAY = 4, 5, 6, 7, 8, 9
GGML_TYPE_F32 = 0
GGML_TYPE_Q4_0 = 2
GGML_TYPE_Q8_0 = 8
Q8_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "i1", 32)])  # 34 bytes, packed
Q4_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # 18 bytes


def roundf(v):
    """C's roundf (ties away from zero) of float32 values, evaluated exactly in float64."""
    v = v.astype(np.float64)
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def quantize_q8_0(w):
    b = w.reshape(-1, 32).astype(np.float32)
    d = (np.abs(b).max(axis=1) / np.float32(127)).astype(np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, np.float32(1) / d, np.float32(0)).astype(np.float32)
    out = np.empty(b.shape[0], Q8_0_BLOCK)
    out["d"] = d.astype(np.float16)
    out["qs"] = roundf(b * inv[:, None]).astype(np.int8)
    return out.tobytes()


def quantize_q4_0(w):
    b = w.reshape(-1, 32).astype(np.float32)
    mx = b[np.arange(b.shape[0]), np.abs(b).argmax(axis=1)]  # the signed value of the first largest |x|
    d = (mx / np.float32(-8)).astype(np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, np.float32(1) / d, np.float32(0)).astype(np.float32)
    q = np.minimum(15, np.trunc(b * inv[:, None] + np.float32(8.5))).astype(np.uint8)
    out = np.empty(b.shape[0], Q4_0_BLOCK)
    out["d"] = d.astype(np.float16)
    out["qs"] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()
TOKEN_TYPE_NORMAL = 1


def gguf_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def gguf_value(kind, value):
    if kind == U32:
        return struct.pack("<I", value)
    if kind == I32:
        return struct.pack("<i", value)
    if kind == F32:
        return struct.pack("<f", value)
    if kind == BOOL:
        return struct.pack("<?", value)
    if kind == STRING:
        return gguf_string(value)
    elem, items = value
    return struct.pack("<IQ", elem, len(items)) + b"".join(gguf_value(elem, v) for v in items)


def byte_level_symbols():
    """GPT-2's bytes_to_unicode: the printable stand-in for each byte, in byte order."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table, n = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + n)
            n += 1
    return [table[b] for b in range(256)]


def metadata(config):
    heads = config["num_attention_heads"]
    V = config["vocab_size"]
    symbols = byte_level_symbols()
    tokens = [symbols[i] if i < 256 else f"<t{i}>" for i in range(V)]
    eos = config.get("eos_token_id")
    kv = [
        ("general.architecture", STRING, "qwen2"),
        ("general.name", STRING, "r1cpp bench model"),
        ("general.file_type", U32, 0),  # all f32
        ("general.alignment", U32, ALIGNMENT),
        ("qwen2.context_length", U32, config.get("max_position_embeddings", 4096)),
        ("qwen2.embedding_length", U32, config["hidden_size"]),
        ("qwen2.block_count", U32, config["num_hidden_layers"]),
        ("qwen2.feed_forward_length", U32, config["intermediate_size"]),
        ("qwen2.attention.head_count", U32, heads),
        ("qwen2.attention.head_count_kv", U32, config.get("num_key_value_heads", heads)),
        ("qwen2.rope.freq_base", F32, float(config.get("rope_theta", 10000.0))),
        ("qwen2.attention.layer_norm_rms_epsilon", F32, float(config.get("rms_norm_eps", 1e-6))),
        ("tokenizer.ggml.model", STRING, "gpt2"),
        ("tokenizer.ggml.pre", STRING, "qwen2"),
        ("tokenizer.ggml.tokens", ARRAY, (STRING, tokens)),
        ("tokenizer.ggml.token_type", ARRAY, (I32, [TOKEN_TYPE_NORMAL] * V)),
        ("tokenizer.ggml.merges", ARRAY, (STRING, [])),
        ("tokenizer.ggml.add_bos_token", BOOL, False),
    ]
    if isinstance(eos, int) and 0 <= eos < V:
        kv.append(("tokenizer.ggml.eos_token_id", U32, eos))
    return kv


def gguf_name(hf):
    """HF tensor name -> llama.cpp's, or None for tensors llama.cpp does not load."""
    fixed = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
             "lm_head.weight": "output.weight"}
    if hf in fixed:
        return fixed[hf]
    parts = hf.split(".")
    if len(parts) < 5 or parts[:2] != ["model", "layers"]:
        return None
    rest = ".".join(parts[3:])
    per_layer = {
        "input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
        "self_attn.q_proj.weight": "attn_q.weight", "self_attn.q_proj.bias": "attn_q.bias",
        "self_attn.k_proj.weight": "attn_k.weight", "self_attn.k_proj.bias": "attn_k.bias",
        "self_attn.v_proj.weight": "attn_v.weight", "self_attn.v_proj.bias": "attn_v.bias",
        "self_attn.o_proj.weight": "attn_output.weight", "mlp.gate_proj.weight": "ffn_gate.weight",
        "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight",
    }
    return f"blk.{parts[2]}.{per_layer[rest]}" if rest in per_layer else None


def pad(n):
    return (ALIGNMENT - n % ALIGNMENT) % ALIGNMENT


def tensor_type(name, arr, wtype, tied):
    """The GGML type a tensor is written as: weight matrices in wtype (the head Q8_0 under q4_0)."""
    if wtype == "f32" or arr.ndim != 2 or arr.shape[1] % 32 or not name.endswith(".weight"):
        return GGML_TYPE_F32
    head = name == "output.weight" or (tied and name == "token_embd.weight")
    if wtype == "q8_0" or head:
        return GGML_TYPE_Q8_0
    return GGML_TYPE_Q4_0


def tensor_bytes(ggml_type, arr):
    if ggml_type == GGML_TYPE_Q8_0:
        return arr.size // 32 * 34
    if ggml_type == GGML_TYPE_Q4_0:
        return arr.size // 32 * 18
    return arr.size * 4


def export(model_dir, out_path, wtype="f32"):
    config = checkpoint.read_config(model_dir)
    if config.get("model_type", "qwen2") != "qwen2":
        raise SystemExit(f"{model_dir}/config.json: model_type {config.get('model_type')!r}; this writer handles qwen2")
    arrays = checkpoint.read_arrays(model_dir)
    tied = config.get("tie_word_embeddings", False)
    if tied:
        arrays.pop("lm_head.weight", None)  # llama.cpp reuses token_embd when output is absent
    tensors = []
    for hf, (dtype, arr) in sorted(arrays.items()):
        name = gguf_name(hf)
        if name is None:
            raise SystemExit(f"{model_dir}: tensor {hf} has no qwen2 GGUF name")
        tensors.append((name, dtype, arr))
    kv = metadata(config)
    header = struct.pack("<4sIQQ", b"GGUF", GGUF_VERSION, len(tensors), len(kv))
    header += b"".join(gguf_string(k) + struct.pack("<I", kind) + gguf_value(kind, v) for k, kind, v in kv)
    offset = 0
    for name, _, arr in tensors:
        # ggml lists dimensions innermost first: an HF [out, in] weight is ne = [in, out].
        header += gguf_string(name) + struct.pack("<I", arr.ndim) + b"".join(struct.pack("<Q", d) for d in arr.shape[::-1])
        t = tensor_type(name, arr, wtype, tied)
        header += struct.pack("<IQ", t, offset)
        offset += tensor_bytes(t, arr)
        offset += pad(offset)
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(header + b"\0" * pad(len(header)))
        for name, dtype, arr in tensors:
            t = tensor_type(name, arr, wtype, tied)
            w = np.ascontiguousarray(checkpoint.as_float32(dtype, arr))
            data = quantize_q8_0(w) if t == GGML_TYPE_Q8_0 else quantize_q4_0(w) if t == GGML_TYPE_Q4_0 else w.tobytes()
            f.write(data + b"\0" * pad(len(data)))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, out_path)  # a crash never leaves a torn file under the final name


def main():
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] not in ("f32", "q8_0", "q4_0")):
        raise SystemExit("usage: gguf_export.py MODEL_DIR OUT.gguf [f32|q8_0|q4_0]")
    export(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "f32")
    print(f"{sys.argv[2]}: written from {sys.argv[1]}")


if __name__ == "__main__":
    main()
