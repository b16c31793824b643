#include "text/text_codec.h"

#include "text/tokenizer.h"

namespace r1::text {

TextCodec make_codec(const Tokenizer& tok, int64_t bos_id, int64_t eos_id) {
  TextCodec codec;
  codec.encode = [tok](const std::string& s) { return tok.encode(s, false); };
  codec.decode = [tok](const std::vector<int32_t>& ids) { return tok.decode(ids, true); };
  codec.bos_id = static_cast<int32_t>(bos_id);
  codec.eos_id = static_cast<int32_t>(eos_id);
  codec.pad_id = eos_id >= 0 ? codec.eos_id : 0;
  return codec;
}

}  // namespace r1::text
