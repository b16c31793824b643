// GGUF v3 files: a header written byte by byte from the spec (ggml/docs/gguf.md) parses to the
// values it holds; the writer and reader round-trip every metadata type and every tensor type; and
// malformed files — truncated anywhere, bad magic or version, unknown types, misaligned, out of range
// or overlapping data, duplicates — are errors that name the file and the key or tensor.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>

#include "core/error.h"
#include "io/gguf_file.h"
#include "io/gguf_format.h"
#include "io/gguf_rows.h"
#include "io/io_test_util.h"
#include "kernels/quantize.h"

namespace r1::io::gguf {
namespace {

using r1::io::testing::read_bytes;
using r1::io::testing::ScratchDir;
using r1::io::testing::write_bytes;

// Little-endian bytes, built by hand from the spec.
struct Bytes {
  std::string s;
  template <typename T>
  Bytes& num(T v) {
    s.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  Bytes& str(const std::string& v) {
    num<uint64_t>(v.size());
    s += v;
    return *this;
  }
  Bytes& pad_to(size_t alignment) {
    s.resize((s.size() + alignment - 1) / alignment * alignment, '\0');
    return *this;
  }
};

// A two-tensor file: metadata {general.architecture = "llama" (string), test.u16 = 513 (u16),
// test.list = [-1, 2] (i32 array)}; tensors "a" F32 [2] = {1.5, -2} at 0 and "b" F16 [3] = {1, 2, -0.5}
// at 32 (the default alignment).
std::string handmade_file() {
  Bytes b;
  b.num<uint32_t>(0x46554747).num<uint32_t>(3).num<uint64_t>(2).num<uint64_t>(3);
  b.str("general.architecture").num<uint32_t>(8).str("llama");
  b.str("test.u16").num<uint32_t>(2).num<uint16_t>(513);
  b.str("test.list").num<uint32_t>(9).num<uint32_t>(5).num<uint64_t>(2).num<int32_t>(-1).num<int32_t>(2);
  b.str("a").num<uint32_t>(1).num<uint64_t>(2).num<uint32_t>(0).num<uint64_t>(0);
  b.str("b").num<uint32_t>(1).num<uint64_t>(3).num<uint32_t>(1).num<uint64_t>(32);
  b.pad_to(32);
  b.num<float>(1.5f).num<float>(-2.0f).pad_to(32);
  b.num<uint16_t>(0x3C00).num<uint16_t>(0x4000).num<uint16_t>(0xB800);
  return b.s;
}

Header parse(const std::string& bytes, const std::string& name = "model.gguf") {
  return parse_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), name);
}

// The message of the r1::Error `f` throws ("" if none).
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(GgufFormat, HandWrittenFileParsesToItsValues) {
  ScratchDir dir;
  const std::string path = dir / "hand.gguf";
  write_bytes(path, handmade_file());
  const GgufFile f(path);
  const Header& h = f.header();
  EXPECT_EQ(h.version, 3u);
  ASSERT_EQ(h.metadata.size(), 3u);
  EXPECT_EQ(h.metadata[0].first, "general.architecture");
  EXPECT_EQ(h.at("general.architecture", path).as_string("k"), "llama");
  EXPECT_EQ(h.at("test.u16", path).type(), ValueType::u16);
  EXPECT_EQ(h.at("test.u16", path).as_int("k"), 513);
  EXPECT_EQ(h.at("test.list", path).as_ints("k"), (std::vector<int64_t>{-1, 2}));
  EXPECT_EQ(h.data_start % 32, 0u);
  ASSERT_EQ(h.tensors.size(), 2u);
  EXPECT_EQ(h.tensors[1].offset, 32u);
  EXPECT_TRUE(torch::equal(f.tensor("a"), torch::tensor({1.5f, -2.0f})));
  const at::Tensor b = f.tensor("b");
  EXPECT_EQ(b.scalar_type(), at::kHalf);
  EXPECT_TRUE(torch::equal(b.to(at::kFloat), torch::tensor({1.0f, 2.0f, -0.5f})));
  EXPECT_NE(error_of([&] { f.tensor("c"); }).find(path + ": tensor 'c': not in this file"), std::string::npos);
}

TEST(GgufFormat, EveryMetadataTypeAndTensorTypeRoundTrips) {
  std::vector<std::pair<std::string, Value>> kv = {
      {"u8", Value::u8(250)},
      {"i8", Value::i8(-7)},
      {"u16", Value::u16(65535)},
      {"i16", Value::i16(-32768)},
      {"u32", Value::u32(4000000000u)},
      {"i32", Value::i32(-2000000000)},
      {"f32", Value::f32(0.1f)},
      {"bool", Value::boolean(true)},
      {"string", Value::string(std::string("ünï\0code", 9))},
      {"u64", Value::u64(18000000000000000000ull)},
      {"i64", Value::i64(-9000000000000000000ll)},
      {"f64", Value::f64(1.0 / 3.0)},
      {"strings", Value::strings({"a", "", "Ġthe"})},
      {"i32s", Value::i32s({1, -2, 3})},
      {"f32s", Value::f32s({0.5f, -1e-30f})},
      {"bools", Value::numbers(ValueType::boolean, {1, 0, 1})},
      {"u64s", Value::numbers(ValueType::u64, {~uint64_t{0}})},
      {"nested", Value::arrays(ValueType::array, {Value::i32s({1}), Value::strings({"x", "y"})})},
      {"empty", Value::i32s({})},
  };
  std::vector<TensorInfo> tensors;
  const std::vector<std::pair<TensorType, std::vector<int64_t>>> shapes = {
      {TensorType::f32, {3, 2}}, {TensorType::f16, {5}},       {TensorType::bf16, {2, 2, 2}},
      {TensorType::q8_0, {64, 3}}, {TensorType::q4_0, {32, 1}}, {TensorType::q4_1, {96, 2}},
      {TensorType::i32, {7}},    {TensorType::i8, {1}},       {TensorType::f64, {2}}, {TensorType::i64, {1, 1, 1, 2}}};
  for (size_t i = 0; i < shapes.size(); ++i) {
    TensorInfo t;
    t.name = "t" + std::to_string(i);
    t.type = shapes[i].first;
    t.ne = shapes[i].second;
    tensors.push_back(t);
  }
  ScratchDir dir;
  const std::string path = dir / "all.gguf";
  std::vector<std::string> payload;
  {
    GgufWriter w(path, kv, tensors, 64);
    for (const auto& t : w.tensors()) {
      std::string bytes(t.nbytes, '\0');
      for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + t.name.size());
      if (quant_type_of(t.type)) {  // finite fp16 scales so dequantizing is defined
        const int64_t bb = tensor_type_block_bytes(t.type);
        for (size_t i = 0; i < bytes.size(); i += bb) {
          bytes[i + 1] = 0x30;
          if (t.type == TensorType::q4_1) bytes[i + 3] = 0x30;
        }
      }
      w.write(t.name, bytes.data(), bytes.size());
      payload.push_back(bytes);
    }
    w.commit();
  }
  const GgufFile f(path);
  const Header& h = f.header();
  EXPECT_EQ(h.alignment, 64u);
  ASSERT_EQ(h.metadata.size(), kv.size() + 1);  // + general.alignment
  for (size_t i = 0; i < kv.size(); ++i) {
    EXPECT_EQ(h.metadata[i].first, kv[i].first);
    EXPECT_TRUE(h.metadata[i].second == kv[i].second) << kv[i].first;
  }
  EXPECT_EQ(h.at("general.alignment", path).as_int("k"), 64);
  EXPECT_EQ(h.at("u64", path).bits(), 18000000000000000000ull);
  EXPECT_DOUBLE_EQ(h.at("f64", path).as_double("k"), 1.0 / 3.0);
  EXPECT_FLOAT_EQ(static_cast<float>(h.at("f32", path).as_double("k")), 0.1f);
  EXPECT_EQ(h.at("string", path).as_string("k").size(), 9u);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorInfo& t = h.tensors[i];
    EXPECT_EQ(t.ne, tensors[i].ne);
    EXPECT_EQ(t.type, tensors[i].type);
    EXPECT_EQ(t.offset % 64, 0u);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.bytes(t)), t.nbytes), payload[i]) << t.name;
  }
  // Typed views: the torch shape is ne reversed; quantized tensors dequantize as kernels/ does.
  EXPECT_EQ(f.tensor("t0").sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(f.tensor("t2").scalar_type(), at::kBFloat16);
  EXPECT_EQ(f.tensor("t6").scalar_type(), at::kInt);
  const at::Tensor q = f.tensor("t5");
  EXPECT_EQ(q.sizes(), (std::vector<int64_t>{2, 96}));
  std::vector<float> expected(96);
  kernels::dequantize_row(kernels::QuantType::q4_1, payload[5].data() + 60, 96, expected.data());
  EXPECT_TRUE(torch::equal(q[1], torch::from_blob(expected.data(), {96}, at::kFloat)));
  const QuantizedTensor kept = f.quantized("t3");
  EXPECT_EQ(kept.type, kernels::QuantType::q8_0);
  EXPECT_EQ(kept.blocks.sizes(), (std::vector<int64_t>{3, 68}));
  EXPECT_EQ(std::memcmp(kept.blocks.data_ptr(), payload[3].data(), payload[3].size()), 0);
  EXPECT_NE(error_of([&] { f.quantized("t0"); }).find("tensor 't0': is F32, not a quantized type"), std::string::npos);
}

TEST(GgufFormat, TruncatedAnywhereIsAnErrorNamingTheFile) {
  const std::string good = handmade_file();
  for (size_t n = 0; n < good.size(); ++n) {
    const std::string msg = error_of([&] { parse(good.substr(0, n), "cut.gguf"); });
    ASSERT_FALSE(msg.empty()) << "a file cut to " << n << " bytes parsed";
    ASSERT_EQ(msg.rfind("cut.gguf", 0), 0u) << msg;
  }
  EXPECT_NO_THROW(parse(good));
}

TEST(GgufFormat, MalformedHeadersAreErrorsThatNameTheCulprit) {
  auto with = [](auto edit) {
    std::string s = handmade_file();
    edit(s);
    return error_of([&] { parse(s); });
  };
  auto put32 = [](std::string& s, size_t at, uint32_t v) { std::memcpy(&s[at], &v, 4); };
  auto put64 = [](std::string& s, size_t at, uint64_t v) { std::memcpy(&s[at], &v, 8); };
  const std::string f = handmade_file();
  const size_t type_a = f.find(std::string("a\x01\0\0\0", 5)) + 1 + 4 + 8;  // tensor a's ggml type
  const size_t offset_b = f.find(std::string("b\x01\0\0\0", 5)) + 1 + 4 + 8 + 4;
  const size_t u16_type = f.find("test.u16") + 8;

  EXPECT_NE(with([&](std::string& s) { s[0] = 'X'; }).find("model.gguf: not a GGUF file (bad magic"), std::string::npos);
  EXPECT_NE(with([&](std::string& s) { put32(s, 4, 1); }).find("GGUF version 1"), std::string::npos);
  EXPECT_NE(with([&](std::string& s) { put32(s, 4, 4); }).find("unsupported GGUF version 4"), std::string::npos);
  EXPECT_NE(with([&](std::string& s) { put32(s, 4, 0x03000000); }).find("big-endian"), std::string::npos);
  EXPECT_NE(with([&](std::string& s) { put32(s, u16_type, 13); }).find("model.gguf: key test.u16: unknown GGUF value type 13"),
            std::string::npos);
  EXPECT_NE(with([&](std::string& s) { put32(s, type_a, 12); }).find("model.gguf: tensor 'a': Q4_K (ggml type 12) is not a type r1cpp reads"),
            std::string::npos);
  EXPECT_NE(with([&](std::string& s) { put32(s, type_a, 99); }).find("tensor 'a': ggml type 99"), std::string::npos);
  EXPECT_NE(with([&](std::string& s) { put64(s, offset_b, 40); }).find("tensor 'b': data offset 40 is not a multiple of the alignment 32"),
            std::string::npos);
  EXPECT_NE(with([&](std::string& s) { put64(s, offset_b, 64); }).find("tensor 'b': data [64, +6) extends past the end"),
            std::string::npos);
  EXPECT_NE(with([&](std::string& s) { put64(s, offset_b, 0); }).find("overlaps the previous tensor"), std::string::npos);
  EXPECT_NE(with([&](std::string& s) { put64(s, 8, ~uint64_t{0} / 2); }).find("tensor count"), std::string::npos);

  // Built from scratch: duplicate keys and tensors, a bad alignment, too many dims, partial blocks,
  // an array claiming more elements than the file holds.
  auto file = [](auto body) {
    Bytes b;
    body(b);
    return error_of([&] { parse(b.s); });
  };
  EXPECT_NE(file([](Bytes& b) {
              b.num<uint32_t>(0x46554747).num<uint32_t>(3).num<uint64_t>(0).num<uint64_t>(2);
              b.str("k").num<uint32_t>(4).num<uint32_t>(1).str("k").num<uint32_t>(4).num<uint32_t>(2);
            }).find("model.gguf: key k: appears twice"),
            std::string::npos);
  EXPECT_NE(file([](Bytes& b) {
              b.num<uint32_t>(0x46554747).num<uint32_t>(3).num<uint64_t>(0).num<uint64_t>(1);
              b.str("general.alignment").num<uint32_t>(4).num<uint32_t>(48);
            }).find("key general.alignment: must be a power of two, is 48"),
            std::string::npos);
  EXPECT_NE(file([](Bytes& b) {
              b.num<uint32_t>(0x46554747).num<uint32_t>(3).num<uint64_t>(0).num<uint64_t>(1);
              b.str("general.alignment").num<uint32_t>(10).num<uint64_t>(32);
            }).find("must be a u32, is a u64"),
            std::string::npos);
  EXPECT_NE(file([](Bytes& b) {
              b.num<uint32_t>(0x46554747).num<uint32_t>(3).num<uint64_t>(0).num<uint64_t>(1);
              b.str("big").num<uint32_t>(9).num<uint32_t>(8).num<uint64_t>(uint64_t{1} << 40);
            }).find("key big: array of 1099511627776 string runs past the end"),
            std::string::npos);
  const auto tensor_file = [&](uint32_t n_dims, uint64_t ne0, uint32_t type, int copies) {
    return file([&](Bytes& b) {
      b.num<uint32_t>(0x46554747).num<uint32_t>(3).num<uint64_t>(copies).num<uint64_t>(0);
      for (int i = 0; i < copies; ++i) {
        b.str("w").num<uint32_t>(n_dims);
        for (uint32_t d = 0; d < n_dims; ++d) b.num<uint64_t>(d == 0 ? ne0 : 1);
        b.num<uint32_t>(type).num<uint64_t>(0);
      }
      b.pad_to(32);
      b.s += std::string(64, '\0');
    });
  };
  EXPECT_NE(tensor_file(5, 32, 0, 1).find("tensor 'w': 5 dimensions (at most 4)"), std::string::npos);
  EXPECT_NE(tensor_file(2, 40, 8, 1).find("tensor 'w': Q8_0 stores rows in blocks of 32, but ne[0] = 40"), std::string::npos);
  EXPECT_NE(tensor_file(1, 4, 0, 2).find("tensor 'w': appears twice"), std::string::npos);
  EXPECT_EQ(tensor_file(2, 32, 8, 1), "");  // 34 bytes of Q8_0 fit in the 64 that follow
}

TEST(GgufFormat, WriterRefusesWhatLlamaCppCouldNotLoad) {
  ScratchDir dir;
  TensorInfo t;
  t.name = std::string(64, 'n');
  t.ne = {4};
  EXPECT_NE(error_of([&] { GgufWriter(dir / "x.gguf", {}, {t}); }).find("name longer than 63 bytes"), std::string::npos);
  t.name = "a";
  TensorInfo u = t;
  u.name = "b";
  GgufWriter w(dir / "y.gguf", {}, {t, u});
  EXPECT_NE(error_of([&] { w.begin("b"); }).find("written out of order: the next declared tensor is 'a'"), std::string::npos);
  const float v[4] = {1, 2, 3, 4};
  EXPECT_NE(error_of([&] { w.write("a", v, 8); }).find("8 bytes written, 16 declared"), std::string::npos);
}

TEST(GgufFormat, AnUncommittedWriterLeavesNoFileAndTheOldOneIntact) {
  ScratchDir dir;
  const std::string path = dir / "m.gguf";
  write_bytes(path, "old");
  {
    TensorInfo t;
    t.name = "a";
    t.ne = {4};
    GgufWriter w(path, {}, {t});
  }
  EXPECT_EQ(read_bytes(path), "old");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.str()), std::filesystem::directory_iterator()), 1);
}

}  // namespace
}  // namespace r1::io::gguf
