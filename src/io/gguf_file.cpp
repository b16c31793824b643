#include "io/gguf_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <torch/torch.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "io/gguf_rows.h"
#include "kernels/half.h"

namespace r1::io::gguf {
namespace {

std::string tensor_where(const std::string& file, const std::string& name) { return file + ": tensor '" + name + "'"; }

std::optional<at::ScalarType> torch_dtype(TensorType t) {
  switch (t) {
    case TensorType::f32: return at::kFloat;
    case TensorType::f16: return at::kHalf;
    case TensorType::bf16: return at::kBFloat16;
    case TensorType::i8: return at::kChar;
    case TensorType::i16: return at::kShort;
    case TensorType::i32: return at::kInt;
    case TensorType::i64: return at::kLong;
    case TensorType::f64: return at::kDouble;
    default: return std::nullopt;  // quantized: dequantized to float32
  }
}

// Rows per append when encoding: a few MB of output per write call.
constexpr uint64_t kChunkBytes = uint64_t{8} << 20;

}  // namespace

GgufFile::GgufFile(const std::string& path) : map_(MappedFile::open(path)) {
  header_ = parse_header(map_->data(), map_->size(), path);
}

const TensorInfo& GgufFile::info(const std::string& name) const {
  const TensorInfo* t = header_.tensor(name);
  check(t != nullptr, tensor_where(path(), name), "not in this file");
  return *t;
}

at::Tensor GgufFile::tensor(const std::string& name) const {
  const TensorInfo& t = info(name);
  const uint8_t* p = bytes(t);
  if (const auto dtype = torch_dtype(t.type)) {
    const auto options = at::TensorOptions().dtype(*dtype);
    if (t.nbytes > 0 && reinterpret_cast<uintptr_t>(p) % c10::elementSize(*dtype) == 0) {
      std::shared_ptr<const MappedFile> keep = map_;
      return at::from_blob(const_cast<uint8_t*>(p), t.shape(), [keep](void*) {}, options);
    }
    at::Tensor out = at::empty(t.shape(), options);
    if (t.nbytes > 0) std::memcpy(out.data_ptr(), p, t.nbytes);
    return out;
  }
  at::Tensor out = at::empty(t.shape(), at::TensorOptions().dtype(at::kFloat));
  const int64_t cols = t.ne.empty() ? 1 : t.ne[0];
  const int64_t rows = cols == 0 ? 0 : t.numel() / cols;
  const uint64_t row_bytes = tensor_bytes(t.type, {cols}, tensor_where(path(), name));
  float* o = out.data_ptr<float>();
  for (int64_t r = 0; r < rows; ++r) decode_row(t.type, p + r * row_bytes, cols, o + r * cols);
  return out;
}

void GgufFile::release(const std::string& name) const {
  // madvise(MADV_DONTNEED) on the pages wholly inside the tensor: a private mapping's page never
  // written is read from the file again if touched.
  const TensorInfo& t = info(name);
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(bytes(t)), end = begin + t.nbytes;
  const uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

QuantizedTensor GgufFile::quantized(const std::string& name) const {
  const TensorInfo& t = info(name);
  const auto q = quant_type_of(t.type);
  check(q.has_value(), tensor_where(path(), name),
        std::string("is ") + tensor_type_name(t.type) + ", not a quantized type (Q8_0, Q4_0, Q4_1)");
  const int64_t cols = t.ne.empty() ? 1 : t.ne[0];
  const int64_t rows = cols == 0 ? 0 : t.numel() / cols;
  const int64_t row_bytes = static_cast<int64_t>(tensor_bytes(t.type, {cols}, tensor_where(path(), name)));
  std::shared_ptr<const MappedFile> keep = map_;
  at::Tensor blocks = at::from_blob(const_cast<uint8_t*>(bytes(t)), {rows, row_bytes}, [keep](void*) {},
                                    at::TensorOptions().dtype(at::kByte));
  return {*q, {rows, cols}, blocks};
}

GgufWriter::GgufWriter(const std::string& path, std::vector<std::pair<std::string, Value>> metadata,
                       std::vector<TensorInfo> tensors, uint64_t alignment)
    : file_(path), tensors_(std::move(tensors)), alignment_(alignment) {
  check(alignment != 0 && (alignment & (alignment - 1)) == 0, path, "GGUF alignment must be a power of two");
  const bool has_alignment_key =
      std::any_of(metadata.begin(), metadata.end(), [](const auto& kv) { return kv.first == "general.alignment"; });
  if (alignment != kDefaultAlignment && !has_alignment_key)
    metadata.emplace_back("general.alignment", Value::u32(static_cast<uint32_t>(alignment)));
  layout_tensors(tensors_, alignment_);
  const std::string header = serialize_header(metadata, tensors_, alignment_);
  file_.write(header.data(), header.size());
}

void GgufWriter::begin(const std::string& name) {
  check(!open_, name, "GgufWriter::begin while tensor '" + tensors_[next_].name + "' is still open");
  check(next_ < tensors_.size() && tensors_[next_].name == name, "tensor '" + name + "'",
        next_ < tensors_.size() ? "written out of order: the next declared tensor is '" + tensors_[next_].name + "'"
                                : "was not declared (all declared tensors are written)");
  open_ = true;
  tensor_written_ = 0;
}

void GgufWriter::append(const void* data, size_t n) {
  check(open_, "GgufWriter", "append without begin");
  const TensorInfo& t = tensors_[next_];
  check(tensor_written_ + n <= t.nbytes, "tensor '" + t.name + "'",
        "more than its " + std::to_string(t.nbytes) + " bytes written");
  file_.write(data, n);
  tensor_written_ += n;
}

void GgufWriter::end() {
  check(open_, "GgufWriter", "end without begin");
  const TensorInfo& t = tensors_[next_];
  check(tensor_written_ == t.nbytes, "tensor '" + t.name + "'",
        std::to_string(tensor_written_) + " bytes written, " + std::to_string(t.nbytes) + " declared");
  static const char zeros[64] = {};
  for (uint64_t left = (alignment_ - t.nbytes % alignment_) % alignment_; left > 0;) {
    const uint64_t n = std::min<uint64_t>(left, sizeof(zeros));
    file_.write(zeros, n);
    left -= n;
  }
  open_ = false;
  ++next_;
}

void GgufWriter::write(const std::string& name, const void* data, size_t n) {
  begin(name);
  append(data, n);
  end();
}

void GgufWriter::commit() {
  check(!open_ && next_ == tensors_.size(), "GgufWriter",
        "commit before every declared tensor was written (" + std::to_string(next_) + " of " +
            std::to_string(tensors_.size()) + ")");
  file_.commit();
}

void write_tensor(GgufWriter& w, const std::string& name, const at::Tensor& t, TensorType type) {
  const std::string where = "tensor '" + name + "'";
  const at::Tensor c = t.detach().cpu().contiguous();
  const auto st = c.scalar_type();
  check(st == at::kFloat || st == at::kBFloat16 || st == at::kHalf, where,
        std::string("cannot encode a ") + c10::toString(st) + " tensor (float32, bfloat16 or float16 expected)");
  const int64_t cols = c.dim() == 0 ? 1 : c.size(-1);
  const int64_t rows = cols == 0 ? 0 : c.numel() / cols;
  const uint64_t row_bytes = tensor_bytes(type, {cols}, where);
  const int64_t rows_per_chunk = std::max<int64_t>(1, static_cast<int64_t>(kChunkBytes / std::max<uint64_t>(row_bytes, 1)));
  std::vector<uint8_t> chunk;
  std::vector<float> row(static_cast<size_t>(cols));
  w.begin(name);
  for (int64_t r0 = 0; r0 < rows; r0 += rows_per_chunk) {
    const int64_t n = std::min(rows_per_chunk, rows - r0);
    chunk.resize(static_cast<size_t>(n * row_bytes));
    for (int64_t r = 0; r < n; ++r) {
      uint8_t* out = chunk.data() + r * row_bytes;
      if (st == at::kFloat) {
        encode_row(type, c.data_ptr<float>() + (r0 + r) * cols, cols, out);
      } else {
        const auto* src = reinterpret_cast<const uint16_t*>(c.data_ptr()) + (r0 + r) * cols;
        if (st == at::kBFloat16) {
          encode_row_bf16(type, src, cols, out);
        } else {
          kernels::fp16_to_fp32_row(src, row.data(), cols);
          encode_row(type, row.data(), cols, out);
        }
      }
    }
    w.append(chunk.data(), chunk.size());
  }
  w.end();
}

}  // namespace r1::io::gguf
