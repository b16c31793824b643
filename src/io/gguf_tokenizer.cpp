#include "io/gguf_tokenizer.h"


#include "core/error.h"
#include "text/byte_level_bpe_json.h"
#include "text/pre_tokenizer.h"

namespace r1::io::gguf {
namespace {

using json = nlohmann::json;

// llama.cpp's token types (llama_token_type / gguf.TokenType).
enum TokenType : int64_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

enum class Family { qwen2, llama3, gpt2 };

bool family_of(const std::string& pre, Family& f) {
  if (pre == "qwen2" || pre == "deepseek-r1-qwen") return f = Family::qwen2, true;
  if (pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3") return f = Family::llama3, true;
  if (pre == "gpt-2") return f = Family::gpt2, true;
  return false;
}

const json kByteLevel = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};

json pre_tokenizer_json(Family f) {
  if (f == Family::gpt2) {
    json b = kByteLevel;
    b["use_regex"] = true;
    return b;
  }
  const char* regex = f == Family::qwen2 ? text::kQwen2SplitRegex : text::kLlama3SplitRegex;
  return {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}},
            kByteLevel}}};
}

std::string known_names() {
  std::string s;
  for (const auto& n : rebuildable_pre_tokenizers()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// The token of id `key`'s value, or "" when the key is absent or out of range.
std::string token_text(const Header& h, const std::string& key) {
  const Value* id = h.find(key);
  const Value* tokens = h.find("tokenizer.ggml.tokens");
  if (!id || !id->is_integer() || !tokens || tokens->type() != ValueType::array ||
      tokens->element_type() != ValueType::string)
    return "";
  const auto i = static_cast<int64_t>(id->bits());
  return i >= 0 && i < static_cast<int64_t>(tokens->string_items().size()) ? tokens->string_items()[i] : "";
}

}  // namespace

const std::vector<std::string>& rebuildable_pre_tokenizers() {
  static const std::vector<std::string> names = {"qwen2", "deepseek-r1-qwen", "llama-bpe", "llama3", "llama-v3", "gpt-2"};
  return names;
}

json tokenizer_json_of(const Header& h, const std::string& path) {
  const std::string fix = ": pass --tokenizer PATH with the model's tokenizer.json";
  const Value* model = h.find("tokenizer.ggml.model");
  check(model != nullptr, path + ": key tokenizer.ggml.model", "absent: the file holds no tokenizer" + fix);
  const std::string& kind = model->as_string(path + ": key tokenizer.ggml.model");
  check(kind == "gpt2", path + ": key tokenizer.ggml.model",
        "'" + kind + "': r1cpp rebuilds byte-level BPE (gpt2) tokenizers only" + fix);
  const Value* pre_v = h.find("tokenizer.ggml.pre");
  const std::string pre = pre_v ? pre_v->as_string(path + ": key tokenizer.ggml.pre") : "";
  Family family = Family::gpt2;
  check(family_of(pre, family), path + ": key tokenizer.ggml.pre",
        (pre_v ? "'" + pre + "'" : std::string("absent")) +
            ": a GGUF names its pre-tokenizer but holds no regex, and r1cpp knows the regex of " + known_names() +
            " only" + fix);

  const std::string tokens_key = "tokenizer.ggml.tokens", types_key = "tokenizer.ggml.token_type";
  const Value& tokens_v = h.at(tokens_key, path);
  check(tokens_v.type() == ValueType::array && tokens_v.element_type() == ValueType::string, path + ": key " + tokens_key,
        "must be an array of strings");
  const auto& tokens = tokens_v.string_items();
  std::vector<int64_t> types(tokens.size(), kNormal);
  if (const Value* t = h.find(types_key)) {
    types = t->as_ints(path + ": key " + types_key);
    check(types.size() == tokens.size(), path + ": key " + types_key,
          std::to_string(types.size()) + " types for " + std::to_string(tokens.size()) + " tokens");
  }

  json vocab = json::object(), added = json::array();
  for (size_t i = 0; i < tokens.size(); ++i) {
    const int64_t type = types[i];
    if (type == kControl || type == kUserDefined) {
      added.push_back({{"id", i}, {"content", tokens[i]}, {"single_word", false}, {"lstrip", false},
                       {"rstrip", false}, {"normalized", false}, {"special", type == kControl}});
    } else if (type != kUnused) {
      check(type == kNormal || type == kUnknown || type == kByte, path + ": key " + types_key,
            "token " + std::to_string(i) + " has type " + std::to_string(type) + " (expected 1 to 6)");
      vocab[tokens[i]] = i;
    }
  }
  json merges = json::array();
  if (const Value* m = h.find("tokenizer.ggml.merges")) {
    check(m->type() == ValueType::array && m->element_type() == ValueType::string, path + ": key tokenizer.ggml.merges",
          "must be an array of strings");
    merges = m->string_items();
  }

  json post = kByteLevel;
  const Value* add_bos = h.find("tokenizer.ggml.add_bos_token");
  const std::string bos = token_text(h, "tokenizer.ggml.bos_token_id");
  if (add_bos && add_bos->as_bool(path + ": key tokenizer.ggml.add_bos_token") && !bos.empty()) {
    const auto bos_id = static_cast<int64_t>(h.find("tokenizer.ggml.bos_token_id")->bits());
    const json special = {{"SpecialToken", {{"id", bos}, {"type_id", 0}}}};
    post = {{"type", "TemplateProcessing"},
            {"single", {special, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
            {"pair",
             {special, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}, {{"SpecialToken", {{"id", bos}, {"type_id", 1}}}},
              {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
            {"special_tokens", {{bos, {{"id", bos}, {"ids", {bos_id}}, {"tokens", {bos}}}}}}};
  }
  text::ByteLevelBpeParts parts;
  parts.added_tokens = added;
  if (family == Family::qwen2) parts.normalizer = {{"type", "NFC"}};
  parts.pre_tokenizer = pre_tokenizer_json(family);
  parts.post_processor = post;
  parts.decoder = kByteLevel;
  parts.vocab = vocab;
  parts.merges = merges;
  parts.ignore_merges = family == Family::llama3;
  return text::byte_level_bpe_json(parts);
}

json tokenizer_config_of(const Header& h) {
  json tc = json::object();
  const std::pair<const char*, const char*> kinds[] = {
      {"bos", "bos"}, {"eos", "eos"}, {"unk", "unknown"}, {"pad", "padding"}};
  for (const auto& [hf, gguf_name] : kinds) {
    const std::string t = token_text(h, std::string("tokenizer.ggml.") + gguf_name + "_token_id");
    if (!t.empty()) tc[std::string(hf) + "_token"] = t;
  }
  for (const char* key : {"add_bos_token", "add_eos_token"})
    if (const Value* v = h.find(std::string("tokenizer.ggml.") + key); v && v->type() == ValueType::boolean)
      tc[key] = v->bits() != 0;
  if (const Value* t = h.find("tokenizer.chat_template"); t && t->type() == ValueType::string)
    tc["chat_template"] = t->as_string("tokenizer.chat_template");
  return tc;
}

}  // namespace r1::io::gguf
