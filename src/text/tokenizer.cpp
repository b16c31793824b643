#include "text/tokenizer.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/files.h"
#include "core/json_file.h"
#include "text/added_vocabulary.h"
#include "text/bpe_model.h"
#include "text/decoder.h"
#include "text/normalizer.h"
#include "text/post_processor.h"
#include "text/pre_tokenizer.h"
#include "text/utf8.h"

namespace r1::text {

struct Tokenizer::Impl {
  std::string source;
  AddedVocabulary added;
  std::unique_ptr<Normalizer> normalizer;
  PreTokenizer pre_tokenizer;
  std::shared_ptr<BpeModel> model;
  std::unique_ptr<PostProcessor> post_processor;
  std::unique_ptr<Decoder> decoder;
  // The component JSONs as loaded (small), re-emitted by to_json; the model is serialized from
  // its tables.
  nlohmann::json normalizer_json, pre_tokenizer_json, post_processor_json, decoder_json,
      padding_json, extra_json;

  void encode_text(std::string_view text, std::vector<int32_t>& ids) const {
    for (const auto& piece : pre_tokenizer.run(text))
      model->encode_word(piece, pre_tokenizer.byte_output(), ids);
  }
};

Tokenizer Tokenizer::from_file(const std::string& path) { return from_json(read_json_file(path), path); }

Tokenizer Tokenizer::from_json(const nlohmann::json& j, const std::string& source) {
  check(j.is_object(), source, "tokenizer.json must be a JSON object");
  check(j.contains("model"), source, "missing \"model\"");
  auto impl = std::make_shared<Impl>();
  impl->source = source;
  const auto get = [&](const char* key) { return j.contains(key) ? j.at(key) : nlohmann::json(); };
  if (!get("truncation").is_null())
    throw Error(source, "unsupported component \"truncation\" (must be null: r1cpp never truncates "
                        "silently)");
  impl->normalizer_json = get("normalizer");
  impl->pre_tokenizer_json = get("pre_tokenizer");
  impl->post_processor_json = get("post_processor");
  impl->decoder_json = get("decoder");
  impl->padding_json = get("padding");  // padding does not change single-sequence ids
  impl->normalizer = make_normalizer(impl->normalizer_json, source);
  impl->pre_tokenizer = PreTokenizer::from_json(impl->pre_tokenizer_json, source);
  impl->model = BpeModel::from_json(j.at("model"), source);
  impl->post_processor = make_post_processor(impl->post_processor_json, source);
  impl->decoder = make_decoder(impl->decoder_json, source);
  std::vector<AddedToken> added;
  const auto added_json = get("added_tokens");
  check(added_json.is_null() || added_json.is_array(), source, "added_tokens must be an array");
  if (added_json.is_array())
    for (const auto& a : added_json) added.push_back(AddedToken::from_json(a, source));
  impl->added = AddedVocabulary(std::move(added));
  for (auto it = j.begin(); it != j.end(); ++it) {
    static const char* known[] = {"version",        "truncation", "padding",  "added_tokens",
                                  "normalizer",     "pre_tokenizer", "model", "post_processor",
                                  "decoder"};
    if (std::find(std::begin(known), std::end(known), it.key()) == std::end(known))
      impl->extra_json[it.key()] = it.value();
  }
  Tokenizer t;
  t.impl_ = std::move(impl);
  return t;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  const Impl& im = *impl_;
  std::string lossy;
  if (!utf8::is_valid(text)) {
    lossy = utf8::lossy(text);
    text = lossy;
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  std::vector<Segment> raw, normalized;
  im.added.split(text, /*normalized_pass=*/false, raw);
  for (const auto& seg : raw) {
    if (seg.id >= 0) {
      ids.push_back(seg.id);
      continue;
    }
    const std::string norm = im.normalizer ? im.normalizer->normalize(seg.text) : seg.text;
    normalized.clear();
    im.added.split(norm, /*normalized_pass=*/true, normalized);
    for (const auto& s : normalized) {
      if (s.id >= 0)
        ids.push_back(s.id);
      else
        im.encode_text(s.text, ids);
    }
  }
  if (add_special_tokens && im.post_processor) ids = im.post_processor->process(std::move(ids));
  return ids;
}

std::vector<std::vector<int32_t>> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                          bool add_special_tokens) const {
  std::vector<std::vector<int32_t>> out(texts.size());
  const size_t workers =
      std::min<size_t>(texts.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mu;
  const auto work = [&] {
    try {
      for (size_t i; (i = next.fetch_add(1)) < texts.size();)
        out[i] = encode(texts[i], add_special_tokens);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mu);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  const Impl& im = *impl_;
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    if (const AddedToken* a = im.added.by_id(id)) {
      if (!(skip_special_tokens && a->special)) tokens.push_back(a->content);
    } else if (const std::string* t = im.model->id_to_token(id)) {
      tokens.push_back(*t);
    }  // unknown ids are skipped, as HF does
  }
  if (!im.decoder) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return out;
  }
  std::string out;
  for (const auto& s : im.decoder->decode_chain(std::move(tokens))) out += s;
  return out;
}

int32_t Tokenizer::token_to_id(std::string_view token) const {
  if (const AddedToken* a = impl_->added.by_content(token)) return a->id;
  return impl_->model->token_to_id(token);
}

std::string Tokenizer::id_to_token(int32_t id) const {
  if (const AddedToken* a = impl_->added.by_id(id)) return a->content;
  const std::string* t = impl_->model->id_to_token(id);
  return t ? *t : std::string();
}

int64_t Tokenizer::vocab_size() const {
  int64_t n = impl_->model->size();
  for (const auto& a : impl_->added.tokens()) n = std::max<int64_t>(n, a.id + 1);
  return n;
}

nlohmann::json Tokenizer::to_json() const {
  const Impl& im = *impl_;
  nlohmann::json j = im.extra_json.is_null() ? nlohmann::json::object() : im.extra_json;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = im.padding_json;
  nlohmann::json added = nlohmann::json::array();
  for (const auto& a : im.added.tokens()) added.push_back(a.to_json());
  j["added_tokens"] = std::move(added);
  j["normalizer"] = im.normalizer_json;
  j["pre_tokenizer"] = im.pre_tokenizer_json;
  j["post_processor"] = im.post_processor_json;
  j["decoder"] = im.decoder_json;
  j["model"] = im.model->to_json();
  return j;
}

void Tokenizer::save(const std::string& path) const {
  write_file_atomic(path, to_json().dump(2) + "\n");
}

}  // namespace r1::text
