// Writes the seed corpus of scripts/fuzz_gguf.sh: small valid GGUF files (every value type, nested
// arrays, an alignment key, each tensor type) built with the serializer under test, so the fuzzer
// starts from inputs deep inside the parser rather than at the magic.
//   usage: gguf_fuzz_seeds DIR
#include <fstream>
#include <string>
#include <vector>

#include "io/gguf_format.h"

using namespace r1::io::gguf;

namespace {

void write(const std::string& path, std::vector<std::pair<std::string, Value>> kv, std::vector<TensorInfo> tensors,
           uint64_t alignment) {
  if (alignment != kDefaultAlignment) kv.emplace_back("general.alignment", Value::u32(static_cast<uint32_t>(alignment)));
  const uint64_t data = layout_tensors(tensors, alignment);
  std::string bytes = serialize_header(kv, tensors, alignment);
  bytes.resize(bytes.size() + data, '\x11');
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TensorInfo tensor(const std::string& name, TensorType type, std::vector<int64_t> ne) {
  TensorInfo t;
  t.name = name;
  t.type = type;
  t.ne = std::move(ne);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string dir = argv[1];
  write(dir + "/empty", {}, {}, 32);
  write(dir + "/scalars",
        {{"general.architecture", Value::string("qwen2")}, {"a", Value::u8(1)}, {"b", Value::i8(-1)},
         {"c", Value::u16(2)}, {"d", Value::i16(-2)}, {"e", Value::u32(3)}, {"f", Value::i32(-3)},
         {"g", Value::f32(0.5f)}, {"h", Value::boolean(true)}, {"i", Value::u64(4)}, {"j", Value::i64(-4)},
         {"k", Value::f64(0.25)}},
        {}, 32);
  write(dir + "/arrays",
        {{"tokens", Value::strings({"a", "b", "Ġc"})}, {"types", Value::i32s({1, 3, 4})},
         {"nested", Value::arrays(ValueType::array, {Value::f32s({1.0f}), Value::strings({"x"})})}},
        {}, 32);
  write(dir + "/tensors", {{"general.architecture", Value::string("llama")}},
        {tensor("token_embd.weight", TensorType::q8_0, {64, 3}), tensor("a", TensorType::f32, {2}),
         tensor("b", TensorType::f16, {3, 1}), tensor("c", TensorType::q4_0, {32}), tensor("d", TensorType::bf16, {1, 1, 1, 2}),
         tensor("e", TensorType::q4_1, {32, 2}), tensor("f", TensorType::i64, {1})},
        32);
  write(dir + "/aligned64", {{"x", Value::u32(7)}}, {tensor("w", TensorType::f32, {5}), tensor("v", TensorType::i8, {3})}, 64);
  return 0;
}
