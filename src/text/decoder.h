// Decoders of tokenizer.json ("decoder"): ByteLevel, Sequence, Replace, Fuse, Strip, ByteFallback,
// Metaspace. Like HF's decode_chain they map a list of token strings to a list of strings, which
// the tokenizer joins. No decoder: tokens are joined with " " (HF behaviour).
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace r1::text {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& j, const std::string& where);

}  // namespace r1::text
