#include "eval/text_codec.h"

#include "model/model_config.h"
#include "text/tokenizer.h"

namespace r1::eval {

TextCodec make_codec(const text::Tokenizer& tok, int32_t bos_id, int32_t eos_id) {
  TextCodec codec;
  codec.encode = [tok](const std::string& s) { return tok.encode(s, false); };
  codec.decode = [tok](const std::vector<int32_t>& ids) { return tok.decode(ids, true); };
  codec.bos_id = bos_id;
  codec.eos_id = eos_id;
  codec.pad_id = eos_id >= 0 ? eos_id : 0;
  return codec;
}

TextCodec checkpoint_codec(const text::Tokenizer& tok, const model::ModelConfig& config) {
  return make_codec(tok, static_cast<int32_t>(config.bos_token_id), static_cast<int32_t>(config.eos_token_id));
}

}  // namespace r1::eval
