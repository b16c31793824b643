#include "text/bpe_trainer.h"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "text/added_vocabulary.h"
#include "text/byte_level.h"
#include "text/byte_level_bpe_json.h"
#include "text/normalizer.h"
#include "text/pre_tokenizer.h"

namespace r1::text {
namespace {

const char* const kWhere = "train_bpe";

nlohmann::json pre_tokenizer_json(PreTokenizerKind kind) {
  const nlohmann::json byte_level = {{"type", "ByteLevel"},
                                     {"add_prefix_space", false},
                                     {"trim_offsets", false},
                                     {"use_regex", kind == PreTokenizerKind::Gpt2ByteLevel}};
  if (kind == PreTokenizerKind::Gpt2ByteLevel) return byte_level;
  const char* regex = kind == PreTokenizerKind::Qwen2 ? kQwen2SplitRegex : kLlama3SplitRegex;
  return {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"},
             {"pattern", {{"Regex", regex}}},
             {"behavior", "Isolated"},
             {"invert", false}},
            byte_level}}};
}

uint64_t pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

struct HeapEntry {
  int64_t count;
  uint64_t pair;
  // Max-heap order: higher count first, then the smaller pair.
  bool operator<(const HeapEntry& o) const {
    return count != o.count ? count < o.count : pair > o.pair;
  }
};

}  // namespace

PreTokenizerKind parse_pre_tokenizer_kind(const std::string& name) {
  if (name == "qwen2") return PreTokenizerKind::Qwen2;
  if (name == "llama3") return PreTokenizerKind::Llama3;
  if (name == "gpt2") return PreTokenizerKind::Gpt2ByteLevel;
  throw Error("pre-tokenizer", "unknown kind \"" + name + "\" (expected qwen2, llama3 or gpt2)");
}

Tokenizer train_bpe(const std::vector<std::string>& corpus, const BpeTrainerConfig& cfg) {
  const int64_t n_added =
      static_cast<int64_t>(cfg.special_tokens.size() + cfg.added_tokens.size());
  int64_t max_merges = cfg.num_merges;
  if (max_merges < 0) {
    check(cfg.vocab_size >= 256 + n_added, kWhere,
          "vocab_size " + std::to_string(cfg.vocab_size) + " is below 256 byte tokens + " +
              std::to_string(n_added) + " added tokens");
    max_merges = cfg.vocab_size - 256 - n_added;
  }
  if (!cfg.bos_token.empty())
    check(std::find(cfg.special_tokens.begin(), cfg.special_tokens.end(), cfg.bos_token) !=
              cfg.special_tokens.end(),
          kWhere, "bos_token \"" + cfg.bos_token + "\" is not among special_tokens");

  // Vocab: the 256 byte chars, ordered by code point (GPT-2 order).
  std::vector<int> byte_order(256);
  for (int b = 0; b < 256; ++b) byte_order[b] = b;
  std::sort(byte_order.begin(), byte_order.end(), [](int x, int y) {
    return byte_level::char_for_byte(static_cast<unsigned char>(x)) <
           byte_level::char_for_byte(static_cast<unsigned char>(y));
  });
  std::vector<std::string> vocab;
  std::unordered_map<std::string, int32_t> vocab_ids;
  std::array<int32_t, 256> byte_id{};
  for (int i = 0; i < 256; ++i) {
    vocab.push_back(byte_level::char_for_byte(static_cast<unsigned char>(byte_order[i])));
    vocab_ids[vocab.back()] = i;
    byte_id[byte_order[i]] = i;
  }

  // Added tokens: special first, then the others, after the model vocab (ids assigned at the end).
  std::vector<AddedToken> added;
  for (const auto& s : cfg.special_tokens) added.push_back({-1, s, true, false, false, false, false});
  for (const auto& s : cfg.added_tokens) added.push_back({-1, s, false, false, false, false, false});
  for (size_t i = 0; i < added.size(); ++i) {
    check(!added[i].content.empty(), kWhere, "empty added token");
    added[i].id = static_cast<int32_t>(i);  // provisional, only for splitting the corpus
  }
  const AddedVocabulary splitter(added);
  const nlohmann::json pre_json = pre_tokenizer_json(cfg.pre_tokenizer);
  const PreTokenizer pre = PreTokenizer::from_json(pre_json, kWhere);
  const nlohmann::json norm_json = cfg.nfc ? nlohmann::json{{"type", "NFC"}} : nlohmann::json();
  const auto normalizer = make_normalizer(norm_json, kWhere);

  // Word frequencies (raw bytes).
  std::unordered_map<std::string, int64_t> word_counts;
  std::vector<Segment> segs;
  for (const auto& doc : corpus) {
    segs.clear();
    splitter.split(doc, false, segs);
    for (const auto& s : segs) {
      if (s.id >= 0) continue;
      const std::string text = normalizer ? normalizer->normalize(s.text) : s.text;
      for (auto& w : pre.run(text)) ++word_counts[w];
    }
  }
  // Deterministic word order (the map's order depends on the hash).
  std::vector<std::pair<std::string, int64_t>> sorted_words(word_counts.begin(), word_counts.end());
  std::sort(sorted_words.begin(), sorted_words.end());
  std::vector<std::vector<int32_t>> words;
  std::vector<int64_t> freq;
  for (const auto& [w, c] : sorted_words) {
    std::vector<int32_t> syms;
    for (unsigned char b : w) syms.push_back(byte_id[b]);
    words.push_back(std::move(syms));
    freq.push_back(c);
  }

  std::unordered_map<uint64_t, int64_t> pair_count;
  std::unordered_map<uint64_t, std::vector<int32_t>> pair_words;
  for (size_t w = 0; w < words.size(); ++w)
    for (size_t i = 0; i + 1 < words[w].size(); ++i) {
      const uint64_t k = pair_key(words[w][i], words[w][i + 1]);
      pair_count[k] += freq[w];
      pair_words[k].push_back(static_cast<int32_t>(w));
    }
  std::vector<HeapEntry> heap;
  for (const auto& [k, c] : pair_count) heap.push_back({c, k});
  std::make_heap(heap.begin(), heap.end());

  std::vector<std::pair<int32_t, int32_t>> merges;
  std::vector<uint32_t> seen(words.size(), 0);
  uint32_t stamp = 0;
  while (static_cast<int64_t>(merges.size()) < max_merges && !heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    const HeapEntry top = heap.back();
    heap.pop_back();
    const auto it = pair_count.find(top.pair);
    const int64_t current = it == pair_count.end() ? 0 : it->second;
    if (current != top.count) {  // stale: re-queue with the current count
      if (current > 0) {
        heap.push_back({current, top.pair});
        std::push_heap(heap.begin(), heap.end());
      }
      continue;
    }
    if (current < std::max<int64_t>(cfg.min_frequency, 1)) break;
    const int32_t a = static_cast<int32_t>(top.pair >> 32);
    const int32_t b = static_cast<int32_t>(top.pair & 0xFFFFFFFFu);
    const std::string merged = vocab[a] + vocab[b];
    int32_t new_id;
    if (const auto v = vocab_ids.find(merged); v != vocab_ids.end()) {
      new_id = v->second;
    } else {
      new_id = static_cast<int32_t>(vocab.size());
      vocab.push_back(merged);
      vocab_ids[merged] = new_id;
    }
    merges.emplace_back(a, b);

    ++stamp;
    std::unordered_set<uint64_t> touched;
    const std::vector<int32_t> affected = std::move(pair_words[top.pair]);
    pair_words.erase(top.pair);
    for (int32_t w : affected) {
      if (seen[w] == stamp) continue;
      seen[w] = stamp;
      auto& syms = words[w];
      for (size_t i = 0; i + 1 < syms.size(); ++i) {
        const uint64_t k = pair_key(syms[i], syms[i + 1]);
        pair_count[k] -= freq[w];
        touched.insert(k);
      }
      std::vector<int32_t> out;
      out.reserve(syms.size());
      for (size_t i = 0; i < syms.size(); ++i) {
        if (i + 1 < syms.size() && syms[i] == a && syms[i + 1] == b) {
          out.push_back(new_id);
          ++i;
        } else {
          out.push_back(syms[i]);
        }
      }
      syms = std::move(out);
      for (size_t i = 0; i + 1 < syms.size(); ++i) {
        const uint64_t k = pair_key(syms[i], syms[i + 1]);
        pair_count[k] += freq[w];
        touched.insert(k);
        if (syms[i] == new_id || syms[i + 1] == new_id) pair_words[k].push_back(w);
      }
    }
    for (uint64_t k : touched) {
      const auto c = pair_count.find(k);
      if (c->second <= 0) {
        pair_count.erase(c);
      } else if (k != top.pair) {
        heap.push_back({c->second, k});
        std::push_heap(heap.begin(), heap.end());
      }
    }
  }

  // Assemble tokenizer.json.
  nlohmann::json vocab_json = nlohmann::json::object();
  for (size_t i = 0; i < vocab.size(); ++i) vocab_json[vocab[i]] = i;
  nlohmann::json merges_json = nlohmann::json::array();
  for (const auto& [x, y] : merges) merges_json.push_back({vocab[x], vocab[y]});
  nlohmann::json added_json = nlohmann::json::array();
  for (size_t i = 0; i < added.size(); ++i) {
    added[i].id = static_cast<int32_t>(vocab.size() + i);
    added_json.push_back(added[i].to_json());
  }
  const nlohmann::json byte_level = {{"type", "ByteLevel"},
                                     {"add_prefix_space", false},
                                     {"trim_offsets", false},
                                     {"use_regex", false}};
  nlohmann::json post = byte_level;
  if (!cfg.bos_token.empty()) {
    int32_t bos_id = -1;
    for (const auto& t : added)
      if (t.content == cfg.bos_token) bos_id = t.id;
    post = {{"type", "TemplateProcessing"},
            {"single",
             {{{"SpecialToken", {{"id", cfg.bos_token}, {"type_id", 0}}}},
              {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
            {"pair",
             {{{"SpecialToken", {{"id", cfg.bos_token}, {"type_id", 0}}}},
              {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
              {{"SpecialToken", {{"id", cfg.bos_token}, {"type_id", 1}}}},
              {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
            {"special_tokens",
             {{cfg.bos_token,
               {{"id", cfg.bos_token}, {"ids", {bos_id}}, {"tokens", {cfg.bos_token}}}}}}};
  }
  ByteLevelBpeParts parts;
  parts.added_tokens = added_json;
  parts.normalizer = norm_json;
  parts.pre_tokenizer = pre_json;
  parts.post_processor = post;
  parts.decoder = byte_level;
  parts.vocab = vocab_json;
  parts.merges = merges_json;
  const nlohmann::json j = byte_level_bpe_json(parts);
  return Tokenizer::from_json(j, kWhere);
}

}  // namespace r1::text
