// safetensors reading and writing: byte-exact round trips for every dtype, the reference writer's
// exact header bytes, zero-copy views, sharding, and every malformed-file case named in R1_SPEC §8.
#include "io/safetensors.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/io_test_util.h"

namespace r1::io {
namespace {

using testing::safetensors_image;
using testing::ScratchDir;
using testing::write_bytes;

std::string bytes_of(const at::Tensor& t) {
  at::Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), c.nbytes());
}

// Random bytes reinterpreted as `st` (every bit pattern, NaNs included, is a valid payload).
at::Tensor random_bits(at::ScalarType st, std::vector<int64_t> shape, int seed) {
  torch::manual_seed(seed);
  int64_t numel = 1;
  for (auto d : shape) numel *= d;
  const int64_t width = c10::elementSize(st);
  at::Tensor raw = torch::randint(0, 256, {numel * width}, torch::kByte);
  at::Tensor out = torch::empty(shape, torch::TensorOptions().dtype(st));
  std::memcpy(out.data_ptr(), raw.data_ptr(), raw.numel());
  return out;
}

TEST(Safetensors, EveryDtypeRoundTripsByteExact) {
  ScratchDir dir;
  // Container dtype for each stored dtype (same element width).
  const std::vector<std::pair<DType, at::ScalarType>> cases = {
      {DType::BOOL, at::kBool},    {DType::U8, at::kByte},       {DType::I8, at::kChar},
      {DType::F8_E5M2, at::kByte}, {DType::F8_E4M3, at::kByte},  {DType::I16, at::kShort},
      {DType::U16, at::kShort},    {DType::F16, at::kHalf},      {DType::BF16, at::kBFloat16},
      {DType::I32, at::kInt},      {DType::U32, at::kInt},       {DType::F32, at::kFloat},
      {DType::F64, at::kDouble},   {DType::I64, at::kLong},      {DType::U64, at::kLong}};
  TensorMap tensors;
  SaveOptions opt;
  int seed = 0;
  for (const auto& [dt, st] : cases) {
    const std::string name = std::string("t.") + dtype_name(dt);
    at::Tensor t = dt == DType::BOOL ? torch::randint(0, 2, {3, 5}).to(torch::kBool) : random_bits(st, {3, 5}, seed++);
    tensors[name] = t;
    if (stored_dtype_of(name, t, {}) != dt) opt.stored_dtype[name] = dt;
  }
  tensors["empty"] = torch::zeros({0, 4});
  tensors["scalar"] = torch::tensor(3.5);
  const std::string path = dir / "all.safetensors";
  save_safetensors(path, tensors, opt);

  SafetensorsFile f(path);
  EXPECT_EQ(f.header().metadata.at("format"), "pt");
  EXPECT_EQ(f.header().header_bytes % 8, 0u);
  EXPECT_EQ(f.header().tensors.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    const TensorInfo& info = f.info(name);
    EXPECT_EQ(info.shape, t.sizes().vec()) << name;
    ASSERT_EQ(info.nbytes(), static_cast<uint64_t>(t.nbytes())) << name;
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.bytes(info)), info.nbytes()), bytes_of(t)) << name;
  }
  // Torch-native dtypes also come back as identical tensors.
  for (const char* name : {"t.BOOL", "t.U8", "t.I8", "t.I16", "t.F16", "t.BF16", "t.I32", "t.F32", "t.F64", "t.I64"}) {
    at::Tensor back = f.tensor(name);
    EXPECT_EQ(back.scalar_type(), tensors[name].scalar_type()) << name;
    EXPECT_EQ(bytes_of(back), bytes_of(tensors[name])) << name;
  }
  EXPECT_EQ(f.tensor("scalar").dim(), 0);
  EXPECT_EQ(f.tensor("scalar").item<float>(), 3.5f);
  EXPECT_EQ(f.tensor("empty").sizes().vec(), (std::vector<int64_t>{0, 4}));
}

TEST(Safetensors, StorageOrderIsDescendingDtypeThenName) {
  ScratchDir dir;
  TensorMap m{{"b16", torch::zeros({3}, torch::kBFloat16)}, {"a8", torch::zeros({1}, torch::kUInt8)},
              {"z32", torch::zeros({2})},                    {"a32", torch::zeros({1})},
              {"i64", torch::zeros({1}, torch::kLong)},      {"f16", torch::zeros({1}, torch::kHalf)}};
  save_safetensors(dir / "o.safetensors", m);
  SafetensorsFile f(dir / "o.safetensors");
  std::vector<std::string> order;
  for (const auto& t : f.header().tensors) order.push_back(t.name);
  // safetensors' Dtype order: ... F16 < BF16 < ... < F32 < F64 < I64; U8 before all of them.
  EXPECT_EQ(order, (std::vector<std::string>{"i64", "a32", "z32", "b16", "f16", "a8"}));
}

// The exact bytes the reference (Python/Rust safetensors) writer produces for this dict: compact
// JSON, __metadata__ first, tensors in storage order, spaces to a multiple of 8.
TEST(Safetensors, HeaderBytesMatchReferenceWriter) {
  ScratchDir dir;
  TensorMap m{{"b", torch::tensor({1.0f, 2.5f})}, {"a", torch::tensor({int64_t{7}})}};
  save_safetensors(dir / "r.safetensors", m);
  std::string header =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  // 7 as little-endian int64, then IEEE-754 1.0f = 0x3F800000 and 2.5f = 0x40200000.
  const std::string data("\x07\0\0\0\0\0\0\0" "\0\0\x80\x3f" "\0\0\x20\x40", 16);
  EXPECT_EQ(testing::read_bytes(dir / "r.safetensors"), safetensors_image(header, data));
}

TEST(Safetensors, ReadsHandBuiltFileWithoutPaddingOrMetadata) {
  ScratchDir dir;
  // Unpadded header (as MLX writes): data starts at an odd address, so the reader must copy.
  const std::string header = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  ASSERT_NE((8 + header.size()) % 4, 0u);
  write_bytes(dir / "h.safetensors", safetensors_image(header, std::string("\0\0\x80\x3f\0\0\x20\xc0", 8)));
  SafetensorsFile f(dir / "h.safetensors");
  EXPECT_TRUE(f.header().metadata.empty());
  at::Tensor x = f.tensor("x");
  EXPECT_EQ(x[0].item<float>(), 1.0f);
  EXPECT_EQ(x[1].item<float>(), -2.5f);
}

TEST(Safetensors, ZeroCopyViewOutlivesFileAndNeverWritesIt) {
  ScratchDir dir;
  const std::string path = dir / "z.safetensors";
  save_safetensors(path, {{"w", torch::arange(16, torch::kFloat)}});
  const std::string before = testing::read_bytes(path);
  at::Tensor w;
  {
    SafetensorsFile f(path);
    w = f.tensor("w");
    EXPECT_EQ(w.data_ptr(), static_cast<const void*>(f.bytes(f.info("w"))));  // a view of the mapping
  }
  EXPECT_EQ(w[5].item<float>(), 5.0f);  // mapping still alive
  w.mul_(2);                             // copy-on-write pages
  EXPECT_EQ(w[5].item<float>(), 10.0f);
  EXPECT_EQ(testing::read_bytes(path), before);
}

TEST(Safetensors, ConvertsFloatsToComputeDtypeAndLeavesIntegers) {
  ScratchDir dir;
  at::Tensor bf = torch::randn({4, 6}).to(torch::kBFloat16);
  save_safetensors(dir / "c.safetensors", {{"bf", bf}, {"ids", torch::arange(5)}});
  TensorMap m = load_safetensors(dir / "c.safetensors", {at::kFloat});
  EXPECT_EQ(m["bf"].scalar_type(), at::kFloat);
  EXPECT_TRUE(torch::equal(m["bf"], bf.to(torch::kFloat)));
  EXPECT_EQ(m["ids"].scalar_type(), at::kLong);
}

TEST(Safetensors, UnsignedWidenAndU64OverflowIsAnError) {
  ScratchDir dir;
  const std::string header =
      R"({"u16":{"dtype":"U16","shape":[2],"data_offsets":[0,4]},)"
      R"("u32":{"dtype":"U32","shape":[1],"data_offsets":[4,8]},)"
      R"("u64":{"dtype":"U64","shape":[1],"data_offsets":[8,16]}})";
  const std::string data("\xff\xff\x01\x00" "\xff\xff\xff\xff" "\0\0\0\0\0\0\0\x80", 16);
  write_bytes(dir / "u.safetensors", safetensors_image(header, data));
  SafetensorsFile f(dir / "u.safetensors");
  at::Tensor u16 = f.tensor("u16");
  EXPECT_EQ(u16.scalar_type(), at::kInt);
  EXPECT_EQ(u16[0].item<int32_t>(), 65535);
  EXPECT_EQ(u16[1].item<int32_t>(), 1);
  EXPECT_EQ(f.tensor("u32").item<int64_t>(), 4294967295LL);
  try {
    f.tensor("u64");
    FAIL() << "2^63 must not fit int64";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("u.safetensors: tensor 'u64'"), std::string::npos) << e.what();
  }
}

TEST(Safetensors, Fp8TensorsDecodeToFloat) {
  ScratchDir dir;
  const std::string header = R"({"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]},)"
                             R"("v":{"dtype":"F8_E5M2","shape":[2],"data_offsets":[4,6]}})";
  // e4m3: 0x38 = 1.0, 0x7E = 448, 0xC0 = -2, 0x01 = 2^-9; e5m2: 0x3C = 1.0 (fp16 0x3C00), 0x7C = inf.
  write_bytes(dir / "f8.safetensors", safetensors_image(header, std::string("\x38\x7e\xc0\x01\x3c\x7c", 6)));
  TensorMap m = load_safetensors(dir / "f8.safetensors", {at::kBFloat16});
  EXPECT_EQ(m["w"].scalar_type(), at::kBFloat16);
  at::Tensor w = m["w"].to(at::kFloat);
  EXPECT_EQ(w[0].item<float>(), 1.0f);
  EXPECT_EQ(w[1].item<float>(), 448.0f);
  EXPECT_EQ(w[2].item<float>(), -2.0f);
  EXPECT_EQ(w[3].item<float>(), std::ldexp(1.0f, -9));
  at::Tensor v = m["v"].to(at::kFloat);
  EXPECT_EQ(v[0].item<float>(), 1.0f);
  EXPECT_TRUE(std::isinf(v[1].item<float>()));
}

TEST(Safetensors, ShardedEqualsUnsharded) {
  ScratchDir dir;
  TensorMap m;
  for (int i = 0; i < 7; ++i) m["layer." + std::to_string(i) + ".w"] = torch::randn({16, 8 + i});
  m["big"] = torch::randn({64, 64});  // larger than a shard: gets one of its own
  m["ids"] = torch::arange(10, torch::kInt);
  const uint64_t max_shard = 2000;
  auto files = save_safetensors_dir(dir / "sharded", m, max_shard);
  save_safetensors_dir(dir / "single", m, 0);
  ASSERT_GT(files.size(), 3u);
  EXPECT_EQ(files.back(), kIndexFileName);
  EXPECT_EQ(files.front(), "model-00001-of-" + [&] {
    char b[8];
    std::snprintf(b, sizeof b, "%05zu", files.size() - 1);
    return std::string(b);
  }() + ".safetensors");

  auto idx = nlohmann::json::parse(testing::read_bytes(dir / "sharded/" + std::string(kIndexFileName)));
  uint64_t total = 0;
  for (const auto& [n, t] : m) total += t.nbytes();
  EXPECT_EQ(idx["metadata"]["total_size"].get<uint64_t>(), total);
  EXPECT_EQ(idx["weight_map"].size(), m.size());
  for (size_t i = 0; i + 1 < files.size(); ++i) {
    SafetensorsFile shard(dir / ("sharded/" + files[i]));
    uint64_t bytes = shard.header().data_bytes;
    EXPECT_TRUE(bytes <= max_shard || shard.header().tensors.size() == 1) << files[i];
    for (const auto& t : shard.header().tensors) EXPECT_EQ(idx["weight_map"][t.name], files[i]);
  }

  TensorMap a = load_safetensors(dir / "sharded"), b = load_safetensors(dir / "single");
  ASSERT_EQ(a.size(), m.size());
  ASSERT_EQ(b.size(), m.size());
  for (const auto& [name, t] : m) {
    EXPECT_EQ(bytes_of(a[name]), bytes_of(t)) << name;
    EXPECT_EQ(bytes_of(b[name]), bytes_of(t)) << name;
  }
}

TEST(Safetensors, IndexAndShardsMustAgree) {
  ScratchDir dir;
  TensorMap m{{"a", torch::ones({100})}, {"b", torch::ones({100})}};
  save_safetensors_dir(dir.str(), m, 400);
  const std::string index_path = dir / kIndexFileName;
  auto idx = nlohmann::json::parse(testing::read_bytes(index_path));
  idx["weight_map"]["ghost"] = idx["weight_map"]["a"];
  write_bytes(index_path, idx.dump());
  try {
    load_safetensors(dir.str());
    FAIL() << "a tensor listed but absent must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.safetensors.index.json: tensor 'ghost'"), std::string::npos)
        << e.what();
  }
  idx["weight_map"].erase("ghost");
  idx["weight_map"]["a"] = "../evil.safetensors";
  write_bytes(index_path, idx.dump());
  EXPECT_THROW(load_safetensors(dir.str()), Error);
}

// --- malformed files: each error names the file and, when one is at fault, the tensor ---

struct Malformed {
  const char* label;
  std::string image;
  const char* tensor;  // nullptr when the fault is the file's
  const char* says;
};

std::string u64le(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

std::vector<Malformed> malformed_cases() {
  const std::string ok_a = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string data8(8, '\0');
  return {
      {"truncated before the length", std::string("\x10\0\0", 3), nullptr, "truncated"},
      {"header length past end", u64le(1000) + "{}", nullptr, "runs past the end"},
      {"header length over the cap", u64le(200'000'000) + std::string(16, ' '), nullptr, "100 MB"},
      {"invalid JSON", safetensors_image(R"({"a":{"dtype":"F32",)", ""), nullptr, "not valid JSON"},
      {"not an object", safetensors_image("[1,2]", ""), nullptr, "JSON object"},
      {"duplicate key", safetensors_image("{" + ok_a + "," + ok_a + "}", data8), "a", "duplicate"},
      {"unknown dtype", safetensors_image(R"({"q":{"dtype":"F7","shape":[2],"data_offsets":[0,8]}})", data8), "q",
       "unknown dtype"},
      {"shape disagrees with bytes",
       safetensors_image(R"({"s":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data8), "s", "needs 12 bytes"},
      {"negative dim", safetensors_image(R"({"n":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data8), "n",
       "non-negative"},
      {"overlapping offsets",
       safetensors_image("{" + ok_a + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data8), "b",
       "overlap tensor 'a'"},
      {"out of range offsets", safetensors_image(R"({"o":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", data8),
       "o", "run past the end"},
      {"gap between tensors",
       safetensors_image(R"({"g":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data8), "g", "gap of 4"},
      {"trailing bytes", safetensors_image("{" + ok_a + "}", data8 + "xx"), nullptr, "2 bytes after"},
      {"truncated data", safetensors_image("{" + ok_a + "}", data8.substr(0, 5)), "a", "run past the end"},
      {"begin after end", safetensors_image(R"({"e":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", data8), "e",
       "begin is past end"},
      {"missing shape", safetensors_image(R"({"m":{"dtype":"F32","data_offsets":[0,8]}})", data8), "m", "shape"},
      {"metadata not strings", safetensors_image(R"({"__metadata__":{"k":1}})", ""), nullptr, "__metadata__"},
      {"deep nesting", safetensors_image(R"({"d":{"shape":[[[[1]]]]}})", ""), nullptr, "nested"},
  };
}

TEST(Safetensors, MalformedFilesAreRejectedNamingFileAndTensor) {
  ScratchDir dir;
  int i = 0;
  for (const auto& c : malformed_cases()) {
    const std::string path = dir / ("bad" + std::to_string(i++) + ".safetensors");
    write_bytes(path, c.image);
    try {
      SafetensorsFile f(path);
      ADD_FAILURE() << c.label << ": accepted";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(path), std::string::npos) << c.label << ": " << msg;
      if (c.tensor) EXPECT_NE(msg.find("tensor '" + std::string(c.tensor) + "'"), std::string::npos) << c.label << ": " << msg;
      EXPECT_NE(msg.find(c.says), std::string::npos) << c.label << ": " << msg;
    }
  }
}

TEST(Safetensors, WriterRejectsUnstorableTensorsNamingThem) {
  ScratchDir dir;
  const std::string path = dir / "x.safetensors";
  try {
    save_safetensors(path, {{"ok", torch::ones({2})}, {"cplx", torch::ones({2}, torch::kComplexFloat)}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'cplx'"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  SaveOptions opt;
  opt.stored_dtype["w"] = DType::F8_E4M3;
  EXPECT_THROW(save_safetensors(path, {{"w", torch::ones({2})}}, opt), Error);  // 4-byte elements as 1-byte
}

TEST(Safetensors, HeaderOnlyReadMatchesMappedRead) {
  ScratchDir dir;
  save_safetensors(dir / "h.safetensors", {{"a", torch::ones({3, 4})}, {"b", torch::ones({5}, torch::kHalf)}});
  Header h = read_header_only(dir / "h.safetensors");
  SafetensorsFile f(dir / "h.safetensors");
  ASSERT_EQ(h.tensors.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(h.tensors[i].name, f.header().tensors[i].name);
    EXPECT_EQ(h.tensors[i].begin, f.header().tensors[i].begin);
    EXPECT_EQ(h.tensors[i].shape, f.header().tensors[i].shape);
  }
}

}  // namespace
}  // namespace r1::io
