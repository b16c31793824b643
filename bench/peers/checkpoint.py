"""Hugging Face checkpoint directories (config.json + safetensors, sharded or not) read with numpy
alone: Debian 12 has no python3-safetensors, and the GGUF writer runs without torch."""
import json
import os
import struct

import numpy as np

# BF16 is read as its raw 16 bits; as_float32 widens it.
DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32,
          "I8": np.int8, "U8": np.uint8, "BF16": np.uint16}


def read_safetensors(path):
    """name -> (dtype string, read-only numpy view into the memory-mapped file)."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise SystemExit(f"{path}: not a safetensors file (shorter than its 8-byte header length)")
        (n,) = struct.unpack("<Q", raw)
        size = os.path.getsize(path)
        if n > size - 8:
            raise SystemExit(f"{path}: header length {n} exceeds the file's {size} bytes (not safetensors, or truncated)")
        try:
            header = json.loads(f.read(n))
        except ValueError as e:
            raise SystemExit(f"{path}: safetensors header is not JSON ({e})")
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict) or "data_offsets" not in info or "shape" not in info:
            raise SystemExit(f"{path}: header entry {name} is not a tensor (dtype, shape, data_offsets)")
        if info.get("dtype") not in DTYPES:
            raise SystemExit(f"{path}: tensor {name} has dtype {info.get('dtype')}, which is not read here")
        begin, end = info["data_offsets"]
        if not 0 <= begin <= end <= len(data):
            raise SystemExit(f"{path}: tensor {name}'s data_offsets [{begin}, {end}] lie outside the file's data")
        out[name] = (info["dtype"], np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"]))
    return out


def as_float32(dtype, arr):
    if dtype == "BF16":
        return (arr.astype(np.uint32) << 16).view(np.float32)
    return arr.astype(np.float32)


def read_config(model_dir):
    path = os.path.join(model_dir, "config.json")
    if not os.path.exists(path):
        raise SystemExit(f"{model_dir}: no config.json (is this a checkpoint directory?)")
    with open(path) as f:
        return json.load(f)


def read_arrays(model_dir):
    """name -> (dtype string, numpy view) over every safetensors file of the directory."""
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    arrays = {}
    for name in files:
        path = os.path.join(model_dir, name)
        if not os.path.exists(path):
            raise SystemExit(f"{model_dir}: {name} is missing")
        arrays.update(read_safetensors(path))
    return arrays
