#include "io/gguf_format.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include "core/error.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "GGUF is read as little-endian; big-endian hosts need byte swaps");

namespace r1::io::gguf {
namespace {

size_t value_width(ValueType t) {
  switch (t) {
    case ValueType::u8: case ValueType::i8: case ValueType::boolean: return 1;
    case ValueType::u16: case ValueType::i16: return 2;
    case ValueType::u32: case ValueType::i32: case ValueType::f32: return 4;
    case ValueType::u64: case ValueType::i64: case ValueType::f64: return 8;
    default: return 0;  // string, array: variable
  }
}

bool is_signed(ValueType t) {
  return t == ValueType::i8 || t == ValueType::i16 || t == ValueType::i32 || t == ValueType::i64;
}

// Raw little-endian bytes -> the 64-bit form Value keeps (signed types sign-extended).
uint64_t widen_bits(ValueType t, const uint8_t* p) {
  const size_t w = value_width(t);
  uint64_t u = 0;
  std::memcpy(&u, p, w);
  if (is_signed(t) && w < 8 && (u >> (8 * w - 1)) & 1) u |= ~uint64_t{0} << (8 * w);
  return u;
}

struct TypeRow {
  TensorType type;
  const char* name;
  int64_t block;
  int64_t block_bytes;
};
constexpr TypeRow kTypes[] = {
    {TensorType::f32, "F32", 1, 4},      {TensorType::f16, "F16", 1, 2},       {TensorType::q4_0, "Q4_0", 32, 18},
    {TensorType::q4_1, "Q4_1", 32, 20},  {TensorType::q8_0, "Q8_0", 32, 34},  {TensorType::i8, "I8", 1, 1},
    {TensorType::i16, "I16", 1, 2},      {TensorType::i32, "I32", 1, 4},       {TensorType::i64, "I64", 1, 8},
    {TensorType::f64, "F64", 1, 8},      {TensorType::bf16, "BF16", 1, 2},
};

const TypeRow& type_row(TensorType t) {
  for (const auto& r : kTypes)
    if (r.type == t) return r;
  throw Error("gguf", "unknown tensor type id " + std::to_string(static_cast<uint32_t>(t)));
}

// The names llama.cpp gives the ggml types r1cpp cannot read, for a useful error.
std::string foreign_type_name(uint32_t id) {
  static const char* const names[] = {nullptr, nullptr, nullptr, nullptr, "Q4_2 (removed)", "Q4_3 (removed)",
                                      "Q5_0", "Q5_1", nullptr, "Q8_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K",
                                      "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S",
                                      "IQ4_XS", nullptr, nullptr, nullptr, nullptr, nullptr, "IQ1_M"};
  if (id < sizeof(names) / sizeof(names[0]) && names[id]) return std::string(names[id]) + " (ggml type " + std::to_string(id) + ")";
  return "ggml type " + std::to_string(id);
}

// A bounds-checked cursor over the file image; every read names the file and what was being read.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size, const std::string& file) : p_(data), size_(size), file_(file) {}
  size_t pos() const { return pos_; }
  size_t left() const { return size_ - pos_; }
  const uint8_t* here() const { return p_ + pos_; }

  void need(uint64_t n, const std::string& what) const {
    check(n <= left(), file_, "truncated: " + what + " needs " + std::to_string(n) + " bytes at offset " +
                                  std::to_string(pos_) + ", the file has " + std::to_string(left()) + " left");
  }
  template <typename T>
  T read(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string string(const std::string& what) {
    const uint64_t n = read<uint64_t>(what + " length");
    need(n, what);
    std::string s(reinterpret_cast<const char*>(p_ + pos_), n);
    pos_ += n;
    return s;
  }
  void skip(uint64_t n) { pos_ += n; }

 private:
  const uint8_t* p_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& file_;
};

ValueType read_value_type(Reader& r, const std::string& where, const std::string& file) {
  const uint32_t t = r.read<uint32_t>(where + " value type");
  check(t <= static_cast<uint32_t>(ValueType::f64), file + ": " + where, "unknown GGUF value type " + std::to_string(t));
  return static_cast<ValueType>(t);
}

Value read_value(Reader& r, ValueType t, const std::string& where, const std::string& file, int depth) {
  if (t == ValueType::string) return Value::string(r.string(where));
  if (t != ValueType::array) {
    r.need(value_width(t), where);
    const uint8_t first = *r.here();
    check(t != ValueType::boolean || first <= 1, file + ": " + where, "bool byte is " + std::to_string(first) + ", not 0 or 1");
    const Value v = t == ValueType::boolean ? Value::boolean(first != 0) : Value::number(t, widen_bits(t, r.here()));
    r.skip(value_width(t));
    return v;
  }
  check(depth < 8, file + ": " + where, "arrays nested deeper than 8 levels");
  const ValueType e = read_value_type(r, where + " array element", file);
  const uint64_t n = r.read<uint64_t>(where + " array length");
  // Every element takes at least one byte (a string its 8-byte length): a count beyond what is
  // left is a truncated or corrupt file, caught before allocating.
  const uint64_t min_bytes = e == ValueType::string || e == ValueType::array ? 8 : value_width(e);
  check(n <= r.left() / min_bytes, file + ": " + where,
        "array of " + std::to_string(n) + " " + value_type_name(e) + " runs past the end of the file");
  if (e == ValueType::string) {
    std::vector<std::string> items;
    items.reserve(n);
    for (uint64_t i = 0; i < n; ++i) items.push_back(r.string(where + "[" + std::to_string(i) + "]"));
    return Value::strings(std::move(items));
  }
  if (e == ValueType::array) {
    std::vector<Value> items;
    items.reserve(n);
    for (uint64_t i = 0; i < n; ++i) items.push_back(read_value(r, e, where + "[" + std::to_string(i) + "]", file, depth + 1));
    return Value::arrays(ValueType::array, std::move(items));
  }
  std::vector<uint64_t> bits(n);
  const size_t w = value_width(e);
  for (uint64_t i = 0; i < n; ++i) {
    bits[i] = widen_bits(e, r.here() + i * w);
    check(e != ValueType::boolean || bits[i] <= 1, file + ": " + where, "bool element " + std::to_string(i) + " is not 0 or 1");
  }
  r.skip(n * w);
  return Value::numbers(e, std::move(bits));
}

void put_bytes(std::string& out, const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }
template <typename T>
void put(std::string& out, T v) {
  put_bytes(out, &v, sizeof(T));
}
void put_string(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

void put_value(std::string& out, const Value& v) {
  if (v.type() == ValueType::string) return put_string(out, v.as_string(""));
  if (v.type() != ValueType::array) {
    const uint64_t bits = v.bits();
    return put_bytes(out, &bits, value_width(v.type()));
  }
  put<uint32_t>(out, static_cast<uint32_t>(v.element_type()));
  put<uint64_t>(out, v.size());
  if (v.element_type() == ValueType::string) {
    for (const auto& s : v.string_items()) put_string(out, s);
  } else if (v.element_type() == ValueType::array) {
    for (const auto& a : v.array_items()) put_value(out, a);  // each: element type, count, items
  } else {
    for (uint64_t b : v.number_bits()) put_bytes(out, &b, value_width(v.element_type()));
  }
}

uint64_t pad(uint64_t n, uint64_t alignment) { return (n + alignment - 1) / alignment * alignment; }

}  // namespace

const char* value_type_name(ValueType t) {
  static const char* const names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
  const auto i = static_cast<uint32_t>(t);
  return i < 13 ? names[i] : "?";
}

bool tensor_type_known(uint32_t id) {
  for (const auto& r : kTypes)
    if (static_cast<uint32_t>(r.type) == id) return true;
  return false;
}
const char* tensor_type_name(TensorType t) { return type_row(t).name; }
int64_t tensor_type_block(TensorType t) { return type_row(t).block; }
int64_t tensor_type_block_bytes(TensorType t) { return type_row(t).block_bytes; }

uint64_t tensor_bytes(TensorType t, const std::vector<int64_t>& ne, const std::string& where) {
  const TypeRow& row = type_row(t);
  uint64_t n = 1;
  for (int64_t d : ne) {
    check(d >= 0, where, "negative dimension " + std::to_string(d));
    check(d == 0 || n <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / static_cast<uint64_t>(d), where,
          "element count overflows 64 bits");
    n *= static_cast<uint64_t>(d);
  }
  const int64_t row0 = ne.empty() ? 1 : ne[0];
  check(row0 % row.block == 0, where,
        std::string(row.name) + " stores rows in blocks of " + std::to_string(row.block) + ", but ne[0] = " + std::to_string(row0));
  check(n / row.block <= std::numeric_limits<uint64_t>::max() / row.block_bytes, where, "byte size overflows 64 bits");
  return n / row.block * row.block_bytes;
}

Value Value::number(ValueType t, uint64_t bits) {
  check(value_width(t) > 0, "gguf value", std::string("not a number type: ") + value_type_name(t));
  Value v;
  v.type_ = t;
  v.bits_ = bits;
  return v;
}
Value Value::f32(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return number(ValueType::f32, b);
}
Value Value::f64(double f) {
  uint64_t b;
  std::memcpy(&b, &f, 8);
  return number(ValueType::f64, b);
}
Value Value::boolean(bool b) {
  Value v;
  v.type_ = ValueType::boolean;
  v.bits_ = b ? 1 : 0;
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.type_ = ValueType::string;
  v.string_ = std::move(s);
  return v;
}
Value Value::strings(std::vector<std::string> items) {
  Value v;
  v.type_ = ValueType::array;
  v.element_ = ValueType::string;
  v.strings_ = std::move(items);
  return v;
}
Value Value::numbers(ValueType element, std::vector<uint64_t> bits) {
  check(value_width(element) > 0, "gguf value", std::string("not a number type: ") + value_type_name(element));
  Value v;
  v.type_ = ValueType::array;
  v.element_ = element;
  v.numbers_ = std::move(bits);
  return v;
}
Value Value::i32s(const std::vector<int32_t>& items) {
  std::vector<uint64_t> bits(items.size());
  for (size_t i = 0; i < items.size(); ++i) bits[i] = static_cast<uint64_t>(static_cast<int64_t>(items[i]));
  return numbers(ValueType::i32, std::move(bits));
}
Value Value::f32s(const std::vector<float>& items) {
  std::vector<uint64_t> bits(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    uint32_t b;
    std::memcpy(&b, &items[i], 4);
    bits[i] = b;
  }
  return numbers(ValueType::f32, std::move(bits));
}
Value Value::arrays(ValueType element, std::vector<Value> items) {
  Value v;
  v.type_ = ValueType::array;
  v.element_ = element;
  v.arrays_ = std::move(items);
  return v;
}

bool Value::is_integer() const {
  switch (type_) {
    case ValueType::u8: case ValueType::i8: case ValueType::u16: case ValueType::i16: case ValueType::u32:
    case ValueType::i32: case ValueType::u64: case ValueType::i64: return true;
    default: return false;
  }
}

int64_t Value::as_int(const std::string& where) const {
  check(is_integer(), where, std::string("is a ") + value_type_name(type_) + ", expected an integer");
  if (type_ == ValueType::u64)
    check(bits_ <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), where, "u64 value exceeds int64");
  return static_cast<int64_t>(bits_);
}

double Value::as_double(const std::string& where) const {
  if (type_ == ValueType::f32) {
    float f;
    const uint32_t b = static_cast<uint32_t>(bits_);
    std::memcpy(&f, &b, 4);
    return f;
  }
  if (type_ == ValueType::f64) {
    double f;
    std::memcpy(&f, &bits_, 8);
    return f;
  }
  if (type_ == ValueType::u64) return static_cast<double>(bits_);
  return static_cast<double>(as_int(where));
}

bool Value::as_bool(const std::string& where) const {
  check(type_ == ValueType::boolean, where, std::string("is a ") + value_type_name(type_) + ", expected a bool");
  return bits_ != 0;
}

const std::string& Value::as_string(const std::string& where) const {
  check(type_ == ValueType::string, where, std::string("is a ") + value_type_name(type_) + ", expected a string");
  return string_;
}

size_t Value::size() const {
  if (type_ != ValueType::array) return 1;
  return element_ == ValueType::string ? strings_.size() : element_ == ValueType::array ? arrays_.size() : numbers_.size();
}

std::vector<int64_t> Value::as_ints(const std::string& where) const {
  check(type_ == ValueType::array && value_width(element_) > 0 && element_ != ValueType::f32 &&
            element_ != ValueType::f64 && element_ != ValueType::boolean,
        where, "expected an array of integers");
  std::vector<int64_t> out(numbers_.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int64_t>(numbers_[i]);
  return out;
}

bool Value::operator==(const Value& o) const {
  return type_ == o.type_ && element_ == o.element_ && bits_ == o.bits_ && string_ == o.string_ &&
         strings_ == o.strings_ && numbers_ == o.numbers_ && arrays_ == o.arrays_;
}

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  return n;
}

const Value* Header::find(std::string_view key) const {
  for (const auto& [k, v] : metadata)
    if (k == key) return &v;
  return nullptr;
}

const Value& Header::at(std::string_view key, const std::string& file) const {
  const Value* v = find(key);
  check(v != nullptr, file + ": key " + std::string(key), "missing from the GGUF metadata");
  return *v;
}

const TensorInfo* Header::tensor(std::string_view name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

Header parse_header(const uint8_t* data, size_t size, const std::string& file) {
  Reader r(data, size, file);
  Header h;
  const uint32_t magic = r.read<uint32_t>("the magic");
  check(magic == kMagic, file, "not a GGUF file (bad magic: the first 4 bytes must be \"GGUF\")");
  h.version = r.read<uint32_t>("the version");
  check(h.version != 1, file, "GGUF version 1 (32-bit counts) is not supported; convert it with a current llama.cpp");
  check((h.version & 0xffff) != 0 || h.version == 0, file, "a big-endian GGUF: only little-endian files are supported");
  check(h.version == 2 || h.version == 3, file, "unsupported GGUF version " + std::to_string(h.version) + " (expected 2 or 3)");
  const uint64_t n_tensors = r.read<uint64_t>("the tensor count");
  const uint64_t n_kv = r.read<uint64_t>("the metadata count");
  // A key/value takes >= 8 + 4 + 1 bytes and a tensor info >= 8 + 4 + 4 + 8: counts beyond what the
  // file can hold are corrupt, caught before reading on.
  check(n_kv <= r.left() / 13, file, "metadata count " + std::to_string(n_kv) + " exceeds what the file can hold");
  check(n_tensors <= r.left() / 24, file, "tensor count " + std::to_string(n_tensors) + " exceeds what the file can hold");

  std::set<std::string> keys;
  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key = r.string("metadata key " + std::to_string(i));
    const std::string where = "key " + key;
    check(keys.insert(key).second, file + ": " + where, "appears twice");
    const ValueType t = read_value_type(r, where, file);
    h.metadata.emplace_back(std::move(key), read_value(r, t, where, file, 0));
  }
  if (const Value* a = h.find("general.alignment")) {
    check(a->type() == ValueType::u32, file + ": key general.alignment", std::string("must be a u32, is a ") + value_type_name(a->type()));
    const uint64_t al = static_cast<uint64_t>(a->as_int(""));
    check(al != 0 && (al & (al - 1)) == 0, file + ": key general.alignment", "must be a power of two, is " + std::to_string(al));
    h.alignment = al;
  }

  std::set<std::string> names;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    TensorInfo t;
    t.name = r.string("tensor info " + std::to_string(i) + " name");
    const std::string where = file + ": tensor '" + t.name + "'";
    check(names.insert(t.name).second, where, "appears twice");
    const uint32_t n_dims = r.read<uint32_t>("tensor '" + t.name + "' dimension count");
    check(n_dims <= kMaxDims, where, std::to_string(n_dims) + " dimensions (at most 4)");
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t ne = r.read<uint64_t>("tensor '" + t.name + "' shape");
      check(ne <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), where, "dimension exceeds int64");
      t.ne.push_back(static_cast<int64_t>(ne));
    }
    const uint32_t type = r.read<uint32_t>("tensor '" + t.name + "' type");
    check(tensor_type_known(type), where,
          foreign_type_name(type) + " is not a type r1cpp reads (F32, F16, BF16, Q8_0, Q4_0, Q4_1, I8-I64, F64); "
                                    "re-export the model with one of those");
    t.type = static_cast<TensorType>(type);
    t.offset = r.read<uint64_t>("tensor '" + t.name + "' offset");
    check(t.offset % h.alignment == 0, where,
          "data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " + std::to_string(h.alignment));
    t.nbytes = tensor_bytes(t.type, t.ne, where);
    h.tensors.push_back(std::move(t));
  }
  h.data_start = (r.pos() + h.alignment - 1) / h.alignment * h.alignment;

  // The data of every tensor lies inside the file, and no two tensors share bytes.
  std::vector<const TensorInfo*> by_offset;
  for (const auto& t : h.tensors) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  uint64_t end = 0;
  for (const TensorInfo* t : by_offset) {
    const std::string where = file + ": tensor '" + t->name + "'";
    check(t->offset >= end, where, "data overlaps the previous tensor's (offset " + std::to_string(t->offset) + " < " + std::to_string(end) + ")");
    check(t->offset <= size && t->nbytes <= size - t->offset && h.data_start <= size - t->offset - t->nbytes, where,
          "data [" + std::to_string(t->offset) + ", +" + std::to_string(t->nbytes) + ") extends past the end of the file (" +
              std::to_string(size) + " bytes, data section at " + std::to_string(h.data_start) + ")");
    end = t->offset + t->nbytes;
  }
  return h;
}

uint64_t layout_tensors(std::vector<TensorInfo>& tensors, uint64_t alignment) {
  uint64_t offset = 0;
  for (auto& t : tensors) {
    t.nbytes = tensor_bytes(t.type, t.ne, "tensor '" + t.name + "'");
    t.offset = offset;
    offset = pad(offset + t.nbytes, alignment);
  }
  return offset;
}

std::string serialize_header(const std::vector<std::pair<std::string, Value>>& metadata,
                             const std::vector<TensorInfo>& tensors, uint64_t alignment) {
  std::string out;
  put<uint32_t>(out, kMagic);
  put<uint32_t>(out, kVersion);
  put<uint64_t>(out, tensors.size());
  put<uint64_t>(out, metadata.size());
  for (const auto& [key, v] : metadata) {
    put_string(out, key);
    put<uint32_t>(out, static_cast<uint32_t>(v.type()));
    put_value(out, v);
  }
  for (const auto& t : tensors) {
    check(t.name.size() <= kMaxNameBytes, "tensor '" + t.name + "'",
          "name longer than " + std::to_string(kMaxNameBytes) + " bytes: llama.cpp could not load it");
    check(t.ne.size() <= static_cast<size_t>(kMaxDims), "tensor '" + t.name + "'", "more than 4 dimensions");
    put_string(out, t.name);
    put<uint32_t>(out, static_cast<uint32_t>(t.ne.size()));
    for (int64_t d : t.ne) put<uint64_t>(out, static_cast<uint64_t>(d));
    put<uint32_t>(out, static_cast<uint32_t>(t.type));
    put<uint64_t>(out, t.offset);
  }
  out.resize(pad(out.size(), alignment), '\0');
  return out;
}

}  // namespace r1::io::gguf
