// Helpers shared by the io tests: a scratch directory per test, raw file writing, a tiny tokenizer.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "model/model_config.h"
#include "model/presets.h"
#include "text/tokenizer.h"

namespace r1::io::testing {

// A fresh directory under /tmp, removed when the test ends.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("r1_io_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A safetensors image built by hand from the spec (R1_SPEC §8): u64 LE length, header, data.
inline std::string safetensors_image(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

// A three-token BPE (a, b, ab; one merge): enough for a checkpoint directory to carry a tokenizer.json.
inline text::Tokenizer tiny_tokenizer() {
  return text::Tokenizer::from_json(nlohmann::json::parse(R"({
    "version": "1.0", "truncation": null, "padding": null, "added_tokens": [], "normalizer": null,
    "pre_tokenizer": null, "post_processor": null, "decoder": null,
    "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
              "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
              "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}})"));
}

// A 2-layer Qwen2 whose widths (64 hidden, 96 MLP) are whole quantization blocks of 32, with random
// weights large enough (initializer 0.15) that quantization error shows: the quantized-load and
// quantized-checkpoint tests' model.
inline model::ModelConfig quantizable_qwen2(bool tied, int64_t vocab = 96) {
  model::ModelConfig c = model::tiny_qwen2(vocab);
  c.hidden_size = 64;
  c.intermediate_size = 96;
  c.num_attention_heads = 2;
  c.num_key_value_heads = 1;
  c.num_hidden_layers = 2;
  c.tie_word_embeddings = tied;
  c.initializer_range = 0.15;
  c.bos_token_id = 1;
  c.eos_token_id = 2;
  return c;
}

}  // namespace r1::io::testing
