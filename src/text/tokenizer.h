// Tokenizer: a Hugging Face tokenizer.json (byte-level BPE with normalizers, pre-tokenizers,
// added tokens, post-processor and decoder). Torch-free. Unsupported components are an error that
// names the component, never a silent fallback.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace r1::text {

class Tokenizer {
 public:
  // Loads tokenizer.json; errors name the file and the offending component.
  static Tokenizer from_file(const std::string& path);
  static Tokenizer from_json(const nlohmann::json& j, const std::string& source = "tokenizer.json");

  // add_special_tokens applies the post-processor (e.g. a BOS prefix), as HF's encode does.
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = false) const;
  // Encodes many texts on all cores.
  std::vector<std::vector<int32_t>> encode_batch(const std::vector<std::string>& texts,
                                                 bool add_special_tokens = false) const;
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const;

  // -1 when the token is unknown.
  int32_t token_to_id(std::string_view token) const;
  std::string id_to_token(int32_t id) const;
  // Number of ids (vocab + added tokens): max id + 1.
  int64_t vocab_size() const;

  nlohmann::json to_json() const;
  void save(const std::string& path) const;  // atomic

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace r1::text
