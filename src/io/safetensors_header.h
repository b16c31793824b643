// safetensors header: the 8-byte length, the JSON table of tensors and its validation (R1_SPEC §8).
// Torch-free on purpose: the fuzz target (fuzz/safetensors_fuzz.cpp) compiles this file alone with
// clang's libFuzzer, and `r1 inspect` reads headers without touching tensor data.
//
// File layout: [u64 little-endian N][N bytes of UTF-8 JSON, space-padded][data section].
// A tensor's data_offsets are relative to the data section, end exclusive; the tensors must tile the
// data section exactly (sorted by offset: no gap, no overlap) and 8 + N + total == file size.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1::io {

// In the reference implementation's enum order (safetensors `Dtype`), which is also the writer's
// sort key: tensors are stored by descending dtype, then by name, so larger elements come first and
// stay aligned.
enum class DType : uint8_t { BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64 };

std::optional<DType> dtype_from_name(std::string_view name);
const char* dtype_name(DType d);
size_t dtype_size(DType d);  // bytes per element
bool dtype_is_float(DType d);

// Readers refuse headers longer than this (the reference MAX_HEADER_SIZE, 100 MB).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets in the data section, end exclusive
  uint64_t end = 0;
  int64_t numel() const;
  uint64_t nbytes() const { return end - begin; }
};

struct Header {
  std::vector<TensorInfo> tensors;              // sorted by begin offset
  std::map<std::string, std::string> metadata;  // "__metadata__"
  uint64_t header_bytes = 0;                    // N
  uint64_t data_start = 0;                      // 8 + N
  uint64_t data_bytes = 0;                      // size of the data section

  // nullptr when absent.
  const TensorInfo* find(std::string_view name) const;
};

// Parses and validates the header of a whole file image (`size` = file size; only the first
// 8 + N bytes are read). Every defect is an r1::Error whose `where` names `file` and, when one is at
// fault, the tensor ("model.safetensors: tensor 'a.weight'").
Header parse_header(const uint8_t* data, size_t size, const std::string& file);

// Only the first 8 + N bytes of a file, for readers that don't map the data (`r1 inspect`).
Header read_header_only(const std::string& path);

// A tensor to be written: name, dtype, shape; offsets are assigned by layout_header.
struct TensorSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
};

// Orders `specs` as the reference writer does (descending dtype, then name), assigns offsets and
// returns the header bytes, length prefix included, padded with spaces so that the data section
// starts 8-byte aligned. `out_order` receives the specs in storage order with their offsets.
// Duplicate names are an error.
std::string layout_header(const std::vector<TensorSpec>& specs, const std::map<std::string, std::string>& metadata,
                          std::vector<TensorInfo>& out_order, const std::string& file);

}  // namespace r1::io
