// GGUF, llama.cpp's model file (ggml/docs/gguf.md, ggml/src/gguf.cpp): the header — magic, version,
// metadata key/values of every GGUF type, tensor infos — its validation and its serialization.
// Torch-free, like safetensors_header.h: the tensor data is read by io/gguf_file.h.
//
// Layout (little-endian):
//   u32 magic "GGUF" | u32 version (2 or 3) | u64 tensor_count | u64 kv_count
//   kv_count x { string key | u32 value_type | value }
//   tensor_count x { string name | u32 n_dims | u64 ne[n_dims] | u32 ggml_type | u64 offset }
//   padding to `general.alignment` (default 32) | tensor data, each tensor at data_start + offset
// where string = u64 length + bytes (no terminator) and an array value = u32 element type + u64 count
// + the elements. ne[0] is the innermost (fastest) dimension: a torch [rows, cols] weight has
// ne = {cols, rows}.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace r1::io::gguf {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint32_t kVersion = 3;
constexpr uint64_t kDefaultAlignment = 32;
constexpr size_t kMaxNameBytes = 63;  // llama.cpp's GGML_MAX_NAME - 1: longer names don't load there
constexpr int kMaxDims = 4;

enum class ValueType : uint32_t {
  u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7, string = 8, array = 9,
  u64 = 10, i64 = 11, f64 = 12,
};
const char* value_type_name(ValueType t);

// ggml_type values (ggml.h). The ones r1cpp reads and writes; any other id is an error naming it.
enum class TensorType : uint32_t {
  f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q8_0 = 8, i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, bf16 = 30,
};
bool tensor_type_known(uint32_t id);
const char* tensor_type_name(TensorType t);  // "F32", "Q8_0", ... as llama.cpp prints them
int64_t tensor_type_block(TensorType t);      // elements per block (32 for quantized, 1 else)
int64_t tensor_type_block_bytes(TensorType t);
// Bytes of a tensor; throws r1::Error naming `where` when ne[0] is not a whole number of blocks.
uint64_t tensor_bytes(TensorType t, const std::vector<int64_t>& ne, const std::string& where);

// One metadata value: a scalar, a string, or an array of one element type (arrays may nest).
// Numbers keep their GGUF type and exact bits (a u64 is never squeezed through a double).
class Value {
 public:
  Value() = default;
  // A number of type t from its bits (signed types sign-extended to 64, floats their IEEE bits).
  static Value number(ValueType t, uint64_t bits);
  static Value u8(uint8_t v) { return number(ValueType::u8, v); }
  static Value i8(int8_t v) { return number(ValueType::i8, static_cast<uint64_t>(static_cast<int64_t>(v))); }
  static Value u16(uint16_t v) { return number(ValueType::u16, v); }
  static Value i16(int16_t v) { return number(ValueType::i16, static_cast<uint64_t>(static_cast<int64_t>(v))); }
  static Value u32(uint32_t v) { return number(ValueType::u32, v); }
  static Value i32(int32_t v) { return number(ValueType::i32, static_cast<uint64_t>(static_cast<int64_t>(v))); }
  static Value u64(uint64_t v) { return number(ValueType::u64, v); }
  static Value i64(int64_t v) { return number(ValueType::i64, static_cast<uint64_t>(v)); }
  static Value f32(float v);
  static Value f64(double v);
  static Value boolean(bool v);
  static Value string(std::string v);
  static Value strings(std::vector<std::string> v);                 // array of strings
  static Value numbers(ValueType element, std::vector<uint64_t> bits);  // array of numbers (raw bits)
  static Value i32s(const std::vector<int32_t>& v);
  static Value f32s(const std::vector<float>& v);
  static Value arrays(ValueType element, std::vector<Value> items);  // array of arrays

  ValueType type() const { return type_; }
  ValueType element_type() const { return element_; }  // arrays only
  bool is_integer() const;  // u8..i64 (not bool)
  uint64_t bits() const { return bits_; }  // a number's or bool's bits
  // Scalars; `where` names the key in the error when the type doesn't fit.
  int64_t as_int(const std::string& where) const;   // any integer type (u64 above INT64_MAX is an error)
  double as_double(const std::string& where) const;  // any number
  bool as_bool(const std::string& where) const;
  const std::string& as_string(const std::string& where) const;
  // Arrays.
  size_t size() const;
  const std::vector<std::string>& string_items() const { return strings_; }
  const std::vector<uint64_t>& number_bits() const { return numbers_; }  // raw bits of each element
  const std::vector<Value>& array_items() const { return arrays_; }
  std::vector<int64_t> as_ints(const std::string& where) const;

  bool operator==(const Value& o) const;
  bool operator!=(const Value& o) const { return !(*this == o); }

 private:
  ValueType type_ = ValueType::u32;
  ValueType element_ = ValueType::u8;
  uint64_t bits_ = 0;                 // a number or bool: its bits, zero/sign-extended to 64
  std::string string_;                // a string
  std::vector<std::string> strings_;  // an array of strings
  std::vector<uint64_t> numbers_;     // an array of numbers or bools: the bits of each
  std::vector<Value> arrays_;         // an array of arrays
};

struct TensorInfo {
  std::string name;
  std::vector<int64_t> ne;  // ggml order: ne[0] innermost
  TensorType type = TensorType::f32;
  uint64_t offset = 0;      // from the start of the data section
  uint64_t nbytes = 0;      // computed from ne and type

  // The torch shape: ne reversed ([rows, cols] for a matrix).
  std::vector<int64_t> shape() const { return {ne.rbegin(), ne.rend()}; }
  int64_t numel() const;
};

struct Header {
  uint32_t version = kVersion;
  std::vector<std::pair<std::string, Value>> metadata;  // in file order, keys unique
  std::vector<TensorInfo> tensors;                      // in file order, names unique
  uint64_t alignment = kDefaultAlignment;               // general.alignment
  uint64_t data_start = 0;                              // file offset of the data section

  const Value* find(std::string_view key) const;  // nullptr when absent
  // Throws r1::Error naming `file` and the key when absent.
  const Value& at(std::string_view key, const std::string& file) const;
  const TensorInfo* tensor(std::string_view name) const;
};

// Parses and validates a whole file image (`size` = the file's size): bad magic, an unsupported
// version, a string or array running past the end, an unknown value or tensor type, duplicate keys
// or tensor names, a bad alignment, more than 4 dims, a row that isn't whole blocks, an offset that
// isn't aligned, tensors overlapping or extending past the end of the file. Every error is an
// r1::Error whose `where` names `file` and, when one is at fault, the key or tensor.
Header parse_header(const uint8_t* data, size_t size, const std::string& file);

// The header bytes of a file holding `metadata` (general.alignment among them when not the default)
// and `tensors` (their offsets and nbytes assigned by layout_tensors), padded to the alignment: the
// tensor data follows directly.
std::string serialize_header(const std::vector<std::pair<std::string, Value>>& metadata,
                             const std::vector<TensorInfo>& tensors, uint64_t alignment);

// Assigns nbytes and consecutive aligned offsets, in order, as llama.cpp's writer does; returns the
// size of the data section (each tensor padded to the alignment). Errors name the tensor.
uint64_t layout_tensors(std::vector<TensorInfo>& tensors, uint64_t alignment);

}  // namespace r1::io::gguf
