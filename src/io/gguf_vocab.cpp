#include "io/gguf_vocab.h"

#include <map>
#include <optional>

#include "core/error.h"
#include "text/pre_tokenizer.h"

namespace r1::io::gguf {
namespace {

using json = nlohmann::json;

// llama.cpp's token types (llama_token_type / gguf.TokenType).
enum TokenType : int32_t { kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5 };

// convert_hf_to_gguf.py's does_token_look_special: added tokens some models forget to mark special.
bool looks_special(const std::string& t) {
  auto wrapped = [&](const std::string& open, const std::string& close) {
    return t.size() >= open.size() + close.size() && t.compare(0, open.size(), open) == 0 &&
           t.compare(t.size() - close.size(), close.size(), close) == 0;
  };
  return t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]" || wrapped("<|", "|>") ||
         wrapped("<\xef\xbd\x9c", "\xef\xbd\x9c>") || wrapped("<unused", ">");
}

std::string regex_of(const json& split) {
  if (split.value("type", "") != "Split" || !split.contains("pattern") || !split["pattern"].is_object()) return "";
  const json& p = split["pattern"];
  return p.contains("Regex") && p["Regex"].is_string() ? p["Regex"].get<std::string>() : "";
}

bool byte_level_with_regex(const json& pt) {
  return pt.value("type", "") == "ByteLevel" && pt.value("use_regex", true);
}

// The content of a *_token entry of tokenizer_config.json: a string or {"content": ...}.
std::string token_content(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return "";
}

}  // namespace

std::string llama_pre_tokenizer_name(const json& tok) {
  if (!tok.contains("pre_tokenizer") || !tok["pre_tokenizer"].is_object()) return "";
  const json& pt = tok["pre_tokenizer"];
  std::vector<json> parts;
  if (pt.value("type", "") == "Sequence" && pt.contains("pretokenizers") && pt["pretokenizers"].is_array())
    parts.assign(pt["pretokenizers"].begin(), pt["pretokenizers"].end());
  else
    parts.push_back(pt);
  if (parts.size() == 1 && byte_level_with_regex(parts[0])) return "gpt-2";
  if (parts.size() == 2 && parts[1].value("type", "") == "ByteLevel" && !parts[1].value("use_regex", true)) {
    const std::string re = regex_of(parts[0]);
    if (re == text::kQwen2SplitRegex) return "qwen2";
    if (re == text::kLlama3SplitRegex) return "llama-bpe";
    if (re == text::kGpt2Regex) return "gpt-2";
  }
  return "";
}

std::vector<std::pair<std::string, Value>> vocab_metadata(const VocabSources& src) {
  const std::string where = src.where + "/tokenizer.json";
  const json& tok = src.tokenizer;
  check(tok.is_object() && tok.contains("model") && tok["model"].is_object(), where, "has no \"model\" object");
  const json& model = tok["model"];
  check(model.value("type", "") == "BPE", where,
        "model type '" + model.value("type", std::string("?")) + "' is not BPE: only byte-level BPE tokenizers export to GGUF");
  check(model.contains("vocab") && model["vocab"].is_object(), where, "model.vocab must be an object");

  std::string pre = src.pre_tokenizer;
  if (pre == "auto") {
    pre = llama_pre_tokenizer_name(tok);
    check(!pre.empty(), where,
          "its pre_tokenizer is none llama.cpp knows by name (the Qwen2, Llama-3 or GPT-2 split regex with "
          "ByteLevel); pass --pre_tokenizer NAME with llama.cpp's name for it (e.g. deepseek-v3, default)");
  }

  // id -> (text, type); added tokens override model tokens with the same id.
  const int64_t n = src.vocab_size;
  std::vector<std::string> tokens(static_cast<size_t>(n));
  std::vector<int32_t> types(static_cast<size_t>(n), kUnused);
  for (int64_t i = 0; i < n; ++i) tokens[i] = "[PAD" + std::to_string(i) + "]";
  for (const auto& [text, id] : model["vocab"].items()) {
    check(id.is_number_integer(), where, "model.vocab entry '" + text + "' is not an integer id");
    const int64_t i = id.get<int64_t>();
    check(i >= 0 && i < n, where, "token '" + text + "' has id " + std::to_string(i) + ", outside the model's vocab_size " + std::to_string(n));
    tokens[i] = text;
    types[i] = kNormal;
  }
  std::map<std::string, int64_t> added_ids;
  if (tok.contains("added_tokens") && tok["added_tokens"].is_array()) {
    for (const auto& a : tok["added_tokens"]) {
      check(a.contains("id") && a["id"].is_number_integer() && a.contains("content") && a["content"].is_string(), where,
            "an added_tokens entry lacks an integer id or a string content");
      const int64_t i = a["id"].get<int64_t>();
      const std::string content = a["content"].get<std::string>();
      check(i >= 0 && i < n, where, "added token '" + content + "' has id " + std::to_string(i) + ", outside vocab_size " + std::to_string(n));
      tokens[i] = content;
      types[i] = a.value("special", false) || looks_special(content) ? kControl : kUserDefined;
      added_ids[content] = i;
    }
  }

  std::vector<std::string> merges;
  if (model.contains("merges") && model["merges"].is_array()) {
    for (const auto& m : model["merges"]) {
      if (m.is_string()) {
        merges.push_back(m.get<std::string>());
        continue;
      }
      check(m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string(), where,
            "a merge must be \"a b\" or [\"a\", \"b\"]");
      // gguf-py's SpecialVocab: a space inside a part is written as U+0120 so "a b" stays splittable.
      std::string joined;
      for (int p = 0; p < 2; ++p) {
        if (p) joined += ' ';
        for (char c : m[p].get<std::string>()) joined += c == ' ' ? std::string("\xc4\xa0") : std::string(1, c);
      }
      merges.push_back(std::move(joined));
    }
  }

  std::vector<std::pair<std::string, Value>> kv;
  kv.emplace_back("tokenizer.ggml.model", Value::string("gpt2"));
  kv.emplace_back("tokenizer.ggml.pre", Value::string(pre));
  kv.emplace_back("tokenizer.ggml.tokens", Value::strings(std::move(tokens)));
  kv.emplace_back("tokenizer.ggml.token_type", Value::i32s(types));
  kv.emplace_back("tokenizer.ggml.merges", Value::strings(std::move(merges)));

  // Special token ids: tokenizer_config.json's *_token names an added token; config.json's
  // *_token_id fills the rest (SpecialVocab: the first found wins).
  const json& tc = src.tokenizer_config.is_object() ? src.tokenizer_config : json::object();
  const std::pair<const char*, const char*> kinds[] = {{"bos", "bos"}, {"eos", "eos"}, {"unk", "unknown"},
                                                      {"sep", "seperator"}, {"pad", "padding"},
                                                      {"cls", "cls"}, {"mask", "mask"}};
  std::map<std::string, int64_t> special;
  for (const auto& [hf, gguf_name] : kinds) {
    const std::string content = tc.contains(std::string(hf) + "_token") ? token_content(tc[std::string(hf) + "_token"]) : "";
    auto it = added_ids.find(content);
    if (!content.empty() && it != added_ids.end()) special[hf] = it->second;
  }
  for (const auto& [hf, gguf_name] : kinds) {
    const std::string key = std::string(hf) + "_token_id";
    if (special.count(hf) || !src.config.contains(key) || !src.config[key].is_number_integer()) continue;
    const int64_t id = src.config[key].get<int64_t>();
    if (id >= 0 && id < n) special[hf] = id;
  }
  for (const auto& [hf, gguf_name] : kinds)
    if (special.count(hf))
      kv.emplace_back(std::string("tokenizer.ggml.") + gguf_name + "_token_id", Value::u32(static_cast<uint32_t>(special[hf])));

  // Whether encoding adds BOS / EOS.
  for (const char* which : {"bos", "eos"}) {
    const std::string key = std::string("add_") + which + "_token";
    std::optional<bool> add;
    if (tc.contains(key) && tc[key].is_boolean()) add = tc[key].get<bool>();
    if (!add && tok.contains("post_processor") && tok["post_processor"].is_object()) {
      const json& pp = tok["post_processor"];
      if (pp.value("type", "") == "TemplateProcessing" && pp.contains("single") && pp["single"].is_array() &&
          !pp["single"].empty()) {
        const json& edge = std::string(which) == "bos" ? pp["single"].front() : pp["single"].back();
        add = edge.contains("SpecialToken");
      } else if (pp.value("type", "") == "ByteLevel") {
        add = false;
      }
    }
    if (add) kv.emplace_back("tokenizer.ggml." + key, Value::boolean(*add));
  }

  if (tc.contains("chat_template")) {
    const json& t = tc["chat_template"];
    if (t.is_string()) {
      kv.emplace_back("tokenizer.chat_template", Value::string(t.get<std::string>()));
    } else if (t.is_array()) {
      for (const auto& e : t)
        if (e.is_object() && e.contains("name") && e["name"].is_string() && e.contains("template") && e["template"].is_string()) {
          const std::string name = e["name"].get<std::string>();
          kv.emplace_back(name == "default" ? "tokenizer.chat_template" : "tokenizer.chat_template." + name,
                          Value::string(e["template"].get<std::string>()));
        }
    }
  }
  return kv;
}

}  // namespace r1::io::gguf
