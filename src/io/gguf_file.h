// GGUF files as torch tensors, and the streaming GGUF writer.
//
// Reading maps the file (core/files.h MappedFile) and validates the whole header (io/gguf_format.h);
// a tensor is then returned either as its values (tensor(): F32/F16/BF16/I8..I64/F64 in their own
// dtype, zero-copy when aligned; Q8_0/Q4_0/Q4_1 dequantized to float32) or kept quantized
// (quantized(): the stored blocks as a zero-copy uint8 [rows, row_bytes] tensor, for the quantized
// kernels). The torch shape is ne reversed.
//
// Writing streams: the header (with every tensor's offset) goes out first, then each tensor's bytes
// in the declared order, through a temp file renamed on commit — a crash never leaves a torn model.
#pragma once
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/files.h"
#include "io/gguf_format.h"
#include "kernels/quant_blocks.h"

namespace r1::io::gguf {

struct QuantizedTensor {
  kernels::QuantType type = kernels::QuantType::q8_0;
  std::vector<int64_t> shape;  // the logical torch shape, [rows, cols]
  at::Tensor blocks;           // uint8 [rows, row_bytes], viewing the mapping
};

class GgufFile {
 public:
  explicit GgufFile(const std::string& path);

  const std::string& path() const { return map_->path(); }
  const Header& header() const { return header_; }
  // Throws r1::Error naming the file and the tensor when absent.
  const TensorInfo& info(const std::string& name) const;
  const uint8_t* bytes(const TensorInfo& t) const { return map_->data() + header_.data_start + t.offset; }
  at::Tensor tensor(const std::string& name) const;
  // Errors (naming the tensor) unless it is Q8_0, Q4_0 or Q4_1.
  QuantizedTensor quantized(const std::string& name) const;
  // Drops the mapped pages of tensor `name` from memory once a loader has copied it (as
  // SafetensorsFile::release: views still read correctly, from the file again).
  void release(const std::string& name) const;

 private:
  std::shared_ptr<const MappedFile> map_;
  Header header_;
};

class GgufWriter {
 public:
  // `tensors`: name, ne and type of each tensor, in the order they will be written (offsets are
  // assigned here). general.alignment is added to the metadata when `alignment` isn't the default.
  GgufWriter(const std::string& path, std::vector<std::pair<std::string, Value>> metadata,
             std::vector<TensorInfo> tensors, uint64_t alignment = kDefaultAlignment);
  const std::vector<TensorInfo>& tensors() const { return tensors_; }

  // The next tensor's bytes, in pieces: begin(name) (must be the next declared tensor), append(...)
  // until its nbytes are written, end(). write() does the three at once.
  void begin(const std::string& name);
  void append(const void* data, size_t n);
  void end();
  void write(const std::string& name, const void* data, size_t n);
  // Every declared tensor must have been written.
  void commit();

 private:
  AtomicFile file_;
  std::vector<TensorInfo> tensors_;
  uint64_t alignment_;
  size_t next_ = 0;           // index of the tensor being / to be written
  uint64_t tensor_written_ = 0;
  bool open_ = false;
};

// A torch tensor ([rows, cols] or 1-D; float32, bfloat16 or float16) encoded as GGUF type `type`,
// row by row, appended to `w` between begin and end. Errors name `where`.
void write_tensor(GgufWriter& w, const std::string& name, const at::Tensor& t, TensorType type);

}  // namespace r1::io::gguf
