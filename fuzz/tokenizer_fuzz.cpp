// libFuzzer target for the text layer. The first input byte picks a mode; the rest is split at the
// first NUL byte into a JSON part and a text part.
//   mode 0: tokenizer.json fragment merged over a small valid byte-level tokenizer (so the fuzzer
//           explores normalizers, pre-tokenizers, models, added tokens, decoders, post-processors),
//           then encode/decode the text.
//   mode 1: the text is a chat template, rendered with a fixed conversation.
//   mode 2: the text is encoded with a trained byte-level tokenizer; decode(encode(x)) must give x
//           back (lossily decoded), else the target aborts.
// Only r1::Error is an acceptable failure: any other exception, crash, leak or sanitizer report is
// a bug. Build and run: scripts/fuzz_tokenizer.sh
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "text/bpe_trainer.h"
#include "text/chat_template.h"
#include "text/jinja.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

namespace {

nlohmann::json base_tokenizer() {
  nlohmann::json vocab = nlohmann::json::object();
  const r1::text::Tokenizer t = [] {
    r1::text::BpeTrainerConfig cfg;
    cfg.num_merges = 40;
    cfg.min_frequency = 1;
    cfg.special_tokens = {"<|endoftext|>"};
    cfg.added_tokens = {"<think>", "</think>"};
    return r1::text::train_bpe({"the quick brown fox 12+34=46 <think>ok</think> 中文 😀"}, cfg);
  }();
  return t.to_json();
}

const nlohmann::json& base() {
  static const nlohmann::json b = base_tokenizer();
  return b;
}

const r1::text::Tokenizer& trained() {
  static const r1::text::Tokenizer t = r1::text::Tokenizer::from_json(base(), "fuzz base");
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int mode = data[0] % 3;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t nul = rest.find('\0');
  const std::string json_part = nul == std::string::npos ? rest : rest.substr(0, nul);
  const std::string text = nul == std::string::npos ? std::string() : rest.substr(nul + 1);

  if (mode == 0) {
    nlohmann::json patch;
    try {
      patch = nlohmann::json::parse(json_part);
    } catch (const nlohmann::json::exception&) {
      return 0;
    }
    nlohmann::json j = base();
    if (patch.is_object())
      for (auto it = patch.begin(); it != patch.end(); ++it) j[it.key()] = it.value();
    try {
      const auto tok = r1::text::Tokenizer::from_json(j, "fuzz.json");
      const auto ids = tok.encode(text, /*add_special_tokens=*/true);
      (void)tok.decode(ids, /*skip_special_tokens=*/true);
      (void)tok.encode_batch({text, json_part});
      (void)tok.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const r1::Error&) {
    }
  } else if (mode == 1) {
    const nlohmann::json messages = {{{"role", "system"}, {"content", "S"}},
                                     {{"role", "user"}, {"content", "Q <think>"}},
                                     {{"role", "assistant"}, {"content", "<think>r</think>A"}}};
    try {
      const nlohmann::json cfg = {{"chat_template", rest}, {"bos_token", "<s>"}};
      (void)r1::text::ChatTemplate::from_config_json(cfg, "fuzz_config.json").render(messages, true);
    } catch (const r1::Error&) {
    }
  } else {
    const auto& tok = trained();
    const auto ids = tok.encode(rest);
    // The trained tokenizer normalizes with NFC, so compare against the NFC of the lossy input by
    // re-encoding: encode(decode(encode(x))) must equal encode(x).
    const std::string back = tok.decode(ids);
    if (!r1::text::utf8::is_valid(back)) std::abort();
    if (tok.encode(back) != ids) std::abort();
  }
  return 0;
}
