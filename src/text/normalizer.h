// Normalizers of tokenizer.json ("normalizer"): NFC, NFD, Sequence, Prepend, Replace, Strip.
// Built from JSON; an unknown or unsupported "type" is an r1::Error naming it and the file.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace r1::text {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(std::string_view s) const = 0;
};

// Null JSON gives nullptr (no normalization). `where` is the file name for errors.
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const std::string& where);

}  // namespace r1::text
