#include "text/added_vocabulary.h"

#include <algorithm>

#include "core/error.h"
#include "text/regex.h"
#include "text/utf8.h"

namespace r1::text {
namespace {

// Rust's c.is_alphanumeric() || c == '_' on the last/first char of a string.
bool is_word_char_at(std::string_view s, bool at_end) {
  if (s.empty()) return false;
  static const Regex word("^[\\p{L}\\p{Nl}\\p{Nd}\\p{No}_]$", "added token single_word");
  size_t b = 0, e = s.size();
  if (at_end) {
    b = e - 1;
    while (b > 0 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) --b;
  } else {
    e = utf8::seq_len(static_cast<unsigned char>(s[0]));
  }
  return !word.find_all(s.substr(b, e - b)).empty();
}

}  // namespace

AddedToken AddedToken::from_json(const nlohmann::json& j, const std::string& where) {
  try {
    AddedToken t;
    t.id = j.at("id").get<int32_t>();
    t.content = j.at("content").get<std::string>();
    t.special = j.value("special", false);
    t.lstrip = j.value("lstrip", false);
    t.rstrip = j.value("rstrip", false);
    t.normalized = j.value("normalized", !t.special);
    t.single_word = j.value("single_word", false);
    check(!t.content.empty(), where, "added_tokens: empty content for id " + std::to_string(t.id));
    check(t.id >= 0, where, "added_tokens: negative id for \"" + t.content + "\"");
    return t;
  } catch (const nlohmann::json::exception& e) {
    throw Error(where, std::string("added_tokens: ") + e.what());
  }
}

nlohmann::json AddedToken::to_json() const {
  return {{"id", id},           {"content", content}, {"single_word", single_word},
          {"lstrip", lstrip},   {"rstrip", rstrip},   {"normalized", normalized},
          {"special", special}};
}

void AddedVocabulary::Trie::add(const std::string& s, int32_t index) {
  int32_t node = 0;
  first_byte[static_cast<unsigned char>(s[0])] = true;
  for (unsigned char c : s) {
    auto it = next[node].find(c);
    if (it == next[node].end()) {
      next.emplace_back();
      token.push_back(-1);
      it = next[node].emplace(c, static_cast<int32_t>(next.size() - 1)).first;
    }
    node = it->second;
  }
  if (token[node] < 0) token[node] = index;  // the first of duplicated contents wins
}

int32_t AddedVocabulary::Trie::longest(std::string_view text, size_t pos, size_t& len) const {
  int32_t best = -1, node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto it = next[node].find(static_cast<unsigned char>(text[i]));
    if (it == next[node].end()) break;
    node = it->second;
    if (token[node] >= 0) best = token[node], len = i + 1 - pos;
  }
  return best;
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    by_id_.emplace(tokens_[i].id, i);
    by_content_.emplace(tokens_[i].content, i);
    (tokens_[i].normalized ? normalized_ : raw_).add(tokens_[i].content, static_cast<int32_t>(i));
  }
}

const AddedToken* AddedVocabulary::by_id(int32_t id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedVocabulary::by_content(std::string_view content) const {
  const auto it = by_content_.find(std::string(content));
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

void AddedVocabulary::split(std::string_view text, bool normalized_pass,
                            std::vector<Segment>& out) const {
  const Trie& trie = normalized_pass ? normalized_ : raw_;
  size_t emitted = 0;  // text[0, emitted) has been written to out
  size_t pos = 0;
  while (pos < text.size()) {
    if (!trie.first_byte[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    size_t len = 0;
    const int32_t index = trie.longest(text, pos, len);
    if (index < 0) {
      ++pos;
      continue;
    }
    const AddedToken& tok = tokens_[static_cast<size_t>(index)];
    size_t b = pos, e = pos + len;
    if (tok.single_word &&
        (is_word_char_at(text.substr(0, b), true) || is_word_char_at(text.substr(e), false))) {
      pos = e;  // like HF's find_iter: the skipped match is not searched again
      continue;
    }
    if (tok.lstrip) {
      while (b > emitted) {
        size_t cb = b - 1;
        while (cb > emitted && (static_cast<unsigned char>(text[cb]) & 0xC0) == 0x80) --cb;
        size_t i = cb;
        if (!utf8::is_whitespace(utf8::next(text, i))) break;
        b = cb;
      }
    }
    if (tok.rstrip) {
      for (size_t i = e; i < text.size();) {
        if (!utf8::is_whitespace(utf8::next(text, i))) break;
        e = i;
      }
    }
    if (b > emitted) out.push_back({std::string(text.substr(emitted, b - emitted)), -1});
    out.push_back({std::string(text.substr(b, e - b)), tok.id});
    emitted = pos = e;
  }
  if (emitted < text.size()) out.push_back({std::string(text.substr(emitted)), -1});
}

}  // namespace r1::text
