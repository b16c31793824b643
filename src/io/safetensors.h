// safetensors files and sharded directories as torch tensors (R1_SPEC §8).
//
// Reading maps the file (mmap, MAP_PRIVATE). A tensor whose stored dtype is the one asked for is
// returned ZERO-COPY: a view of the mapping whose deleter holds the mapping alive, so tensors may
// outlive the SafetensorsFile. The mapping is copy-on-write: writing into such a tensor changes
// private pages only, never the file. Anything converted (BF16 -> F32, FP8 decode, unsigned widen) or
// misaligned (an unpadded header, as MLX writes) is a fresh tensor.
//
// Stored dtype -> torch dtype when loaded:
//   BOOL U8 I8 I16 I32 I64 F16 BF16 F32 F64 -> the same torch dtype (floats then cast to
//     LoadOptions::float_dtype when set)
//   F8_E4M3, F8_E5M2 -> decoded to float32 (then float_dtype); libtorch 1.13 has no float8
//   U16 -> int32, U32 -> int64 (widened, lossless); U64 -> int64, an error naming the tensor when a
//     value exceeds INT64_MAX (torch has no uint64)
// Writing maps torch dtypes back the same way; SaveOptions::stored_dtype stores the raw bytes of a
// same-width tensor under another dtype (uint8 tensor -> F8_E4M3, int16 -> U16, ...), which is how
// FP8 checkpoints and exact round trips of every dtype are written.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/files.h"
#include "io/safetensors_header.h"

namespace r1::io {

// Tensors by name, in name order.
using TensorMap = std::map<std::string, at::Tensor>;

struct LoadOptions {
  // Floating tensors are converted to this dtype (e.g. kFloat for CPU compute); nullopt keeps the
  // stored dtype (FP8 becomes float32). Integer and bool tensors are never converted.
  std::optional<at::ScalarType> float_dtype;
};

// One mapped, validated file. Opening maps it and checks the whole header (errors name the file and
// the tensor); the data is read lazily as tensors are taken.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return path_; }
  const Header& header() const { return header_; }
  // The stored bytes of one tensor (nbytes() long), valid while this object or any tensor taken
  // from it lives.
  const uint8_t* bytes(const TensorInfo& t) const;
  // Throws r1::Error naming the file and tensor when absent.
  const TensorInfo& info(const std::string& name) const;
  at::Tensor tensor(const std::string& name, const LoadOptions& opt = {}) const;
  TensorMap tensors(const LoadOptions& opt = {}) const;
  // Drops the mapped pages of tensor `name`'s bytes from memory once a loader has converted it
  // (madvise: views still read correctly, from the file again, unless written into).
  void release(const std::string& name) const;

 private:
  std::string path_;
  std::shared_ptr<const MappedFile> map_;
  Header header_;
};

// Every tensor of a .safetensors file or of a directory holding model.safetensors or
// model.safetensors.index.json, located in its mapped file (each shard opened once; the index and
// the shards must agree, errors name the index, shard and tensor).
struct MappedTensors {
  std::vector<std::shared_ptr<const SafetensorsFile>> files;
  std::map<std::string, const SafetensorsFile*> file_of;  // tensor name -> its file
};
MappedTensors open_safetensors(const std::string& path);

// All tensors of open_safetensors(path), converted per `opt`.
TensorMap load_safetensors(const std::string& path, const LoadOptions& opt = {});

// The files of a checkpoint directory: the shard list (one entry for a single file) and the index
// weight_map (empty for a single file).
struct ShardLayout {
  std::vector<std::string> files;                     // paths
  std::map<std::string, std::string> weight_map;      // tensor name -> file name
};
ShardLayout shard_layout(const std::string& dir);

struct SaveOptions {
  std::map<std::string, std::string> metadata = {{"format", "pt"}};
  std::map<std::string, DType> stored_dtype;  // name -> dtype stored instead of the tensor's own (same width)
};

// The dtype a tensor is stored as: stored_dtype override or the torch dtype's twin. Errors name the
// tensor (complex, quantized and other dtypes safetensors can't hold).
DType stored_dtype_of(const std::string& name, const at::Tensor& t, const SaveOptions& opt);

// Writes one file atomically (temp file + fsync + rename), tensors in the reference order, header
// space-padded to a multiple of 8.
void save_safetensors(const std::string& path, const TensorMap& tensors, const SaveOptions& opt = {});

// Writes `tensors` into `dir`: a single model.safetensors when they fit in max_shard_bytes (0 = no
// limit), else model-00001-of-0000N.safetensors shards (filled in name order; a tensor larger than
// the limit gets a shard of its own) plus model.safetensors.index.json with metadata.total_size.
// Returns the file names written.
std::vector<std::string> save_safetensors_dir(const std::string& dir, const TensorMap& tensors,
                                              uint64_t max_shard_bytes, const SaveOptions& opt = {});

constexpr const char* kSingleFileName = "model.safetensors";
constexpr const char* kIndexFileName = "model.safetensors.index.json";

}  // namespace r1::io
