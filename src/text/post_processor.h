// Post-processors of tokenizer.json ("post_processor"), applied when encoding with
// add_special_tokens: TemplateProcessing (its "single" template), ByteLevel (ids unchanged),
// RobertaProcessing / BertProcessing (cls + ids + sep), Sequence.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace r1::text {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual std::vector<int32_t> process(std::vector<int32_t> ids) const = 0;
};

std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& j,
                                                   const std::string& where);

}  // namespace r1::text
