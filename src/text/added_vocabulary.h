// Added tokens of tokenizer.json ("added_tokens"): strings matched before the model runs, with
// Hugging Face's flags. Matching is leftmost-longest over all tokens (HF uses Aho-Corasick with
// LeftmostLongest); `normalized` tokens are matched on normalized text in a second pass, the others
// on the raw input first. single_word: the match must not touch a word character (alphanumeric or
// '_') on either side. lstrip/rstrip: whitespace left/right of the match is absorbed into it.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace r1::text {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool special = false, lstrip = false, rstrip = false, normalized = false, single_word = false;

  static AddedToken from_json(const nlohmann::json& j, const std::string& where);
  nlohmann::json to_json() const;
};

// A piece of input: plain text (id == -1) or a matched added token.
struct Segment {
  std::string text;
  int32_t id = -1;
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  explicit AddedVocabulary(std::vector<AddedToken> tokens);

  // Splits `text` on the tokens of one pass (normalized == false: raw-text pass), appending to out.
  void split(std::string_view text, bool normalized_pass, std::vector<Segment>& out) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  const AddedToken* by_id(int32_t id) const;
  const AddedToken* by_content(std::string_view content) const;
  bool empty() const { return tokens_.empty(); }

 private:
  // Byte trie over the token strings of one pass; node 0 is the root.
  struct Trie {
    std::vector<std::unordered_map<unsigned char, int32_t>> next{1};
    std::vector<int32_t> token{-1};  // index into tokens_ ending at this node, or -1
    bool first_byte[256] = {};
    void add(const std::string& s, int32_t index);
    // Index of the longest token starting at text[pos] and its length, or -1.
    int32_t longest(std::string_view text, size_t pos, size_t& len) const;
  };

  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> by_id_;
  std::unordered_map<std::string, size_t> by_content_;
  Trie raw_, normalized_;
};

}  // namespace r1::text
