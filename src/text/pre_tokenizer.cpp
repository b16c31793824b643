#include "text/pre_tokenizer.h"

#include <algorithm>
#include <functional>

#include "core/error.h"
#include "text/byte_level.h"
#include "text/regex.h"

namespace r1::text {

const char* const kQwen2SplitRegex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char* const kLlama3SplitRegex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+"
    "[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char* const kGpt2Regex =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

namespace {

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

Behavior parse_behavior(const std::string& s, const std::string& where) {
  if (s == "Removed") return Behavior::Removed;
  if (s == "Isolated") return Behavior::Isolated;
  if (s == "MergedWithPrevious") return Behavior::MergedWithPrevious;
  if (s == "MergedWithNext") return Behavior::MergedWithNext;
  if (s == "Contiguous") return Behavior::Contiguous;
  throw Error(where, "pre_tokenizer Split: unknown behavior \"" + s + "\"");
}

struct Span {
  size_t b, e;
  bool match;
};

// HF SplitDelimiterBehavior applied to the alternating match/gap spans of one piece.
void emit_spans(std::string_view s, std::vector<Span> spans, Behavior behavior,
                std::vector<std::string>& out) {
  std::vector<Span> merged;
  bool prev_match = false;
  switch (behavior) {
    case Behavior::Removed:
      for (const auto& sp : spans)
        if (!sp.match) merged.push_back(sp);
      break;
    case Behavior::Isolated:
      merged = std::move(spans);
      break;
    case Behavior::MergedWithPrevious:
      for (const auto& sp : spans) {
        if (sp.match && !prev_match && !merged.empty())
          merged.back().e = sp.e;
        else
          merged.push_back(sp);
        prev_match = sp.match;
      }
      break;
    case Behavior::MergedWithNext:
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->match && !prev_match && !merged.empty())
          merged.back().b = it->b;
        else
          merged.push_back(*it);
        prev_match = it->match;
      }
      std::reverse(merged.begin(), merged.end());
      break;
    case Behavior::Contiguous:
      for (size_t i = 0; i < spans.size(); ++i) {
        if (i > 0 && spans[i].match == prev_match)
          merged.back().e = spans[i].e;
        else
          merged.push_back(spans[i]);
        prev_match = spans[i].match;
      }
      break;
  }
  for (const auto& sp : merged)
    if (sp.e > sp.b) out.emplace_back(s.substr(sp.b, sp.e - sp.b));
}

std::vector<Span> spans_from_matches(size_t n, const std::vector<std::pair<size_t, size_t>>& m,
                                     bool invert) {
  std::vector<Span> spans;
  size_t pos = 0;
  for (auto [b, e] : m) {
    if (b > pos) spans.push_back({pos, b, invert});
    spans.push_back({b, e, !invert});
    pos = e;
  }
  if (pos < n) spans.push_back({pos, n, invert});
  return spans;
}

class SplitStep : public PreTokenizerStep {
 public:
  SplitStep(const nlohmann::json& pattern, Behavior behavior, bool invert, const std::string& where)
      : behavior_(behavior), invert_(invert) {
    if (pattern.contains("String")) {
      literal_ = pattern.at("String").get<std::string>();
    } else if (pattern.contains("Regex")) {
      regex_ = std::make_unique<Regex>(pattern.at("Regex").get<std::string>(),
                                       where + " pre_tokenizer Split");
    } else {
      throw Error(where, "pre_tokenizer Split: pattern must have String or Regex");
    }
  }
  SplitStep(const std::string& regex, Behavior behavior, const std::string& where)
      : regex_(std::make_unique<Regex>(regex, where)), behavior_(behavior), invert_(false) {}

  void apply(std::vector<std::string>& in, std::vector<std::string>& out, bool) const override {
    for (const auto& piece : in) {
      std::vector<std::pair<size_t, size_t>> m;
      if (regex_) {
        m = regex_->find_all(piece);
      } else if (!literal_.empty()) {
        for (size_t b = 0; (b = piece.find(literal_, b)) != std::string::npos; b += literal_.size())
          m.emplace_back(b, b + literal_.size());
      }
      emit_spans(piece, spans_from_matches(piece.size(), m, invert_), behavior_, out);
    }
  }

 private:
  std::unique_ptr<Regex> regex_;
  std::string literal_;
  Behavior behavior_;
  bool invert_;
};

class ByteLevelStep : public PreTokenizerStep {
 public:
  ByteLevelStep(bool add_prefix_space, bool use_regex, const std::string& where)
      : add_prefix_space_(add_prefix_space) {
    if (use_regex) regex_ = std::make_unique<Regex>(kGpt2Regex, where + " ByteLevel");
  }
  bool is_byte_level() const override { return true; }
  void apply(std::vector<std::string>& in, std::vector<std::string>& out,
             bool last) const override {
    for (auto& piece : in) {
      // HF prepends the space to every piece reaching this step, not only the first.
      if (add_prefix_space_ && (piece.empty() || piece[0] != ' ')) piece.insert(0, 1, ' ');
      const size_t first = out.size();
      if (regex_)
        emit_spans(piece, spans_from_matches(piece.size(), regex_->find_all(piece), false),
                   Behavior::Isolated, out);
      else if (!piece.empty())
        out.push_back(std::move(piece));
      if (!last)
        for (size_t i = first; i < out.size(); ++i) out[i] = byte_level::encode(out[i]);
    }
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

}  // namespace

PreTokenizer PreTokenizer::from_json(const nlohmann::json& j, const std::string& where) {
  PreTokenizer pt;
  if (j.is_null()) return pt;
  // Flatten nested Sequences depth-first, keeping order.
  std::function<void(const nlohmann::json&)> add = [&](const nlohmann::json& node) {
    check(node.is_object() && node.contains("type"), where,
          "pre_tokenizer: expected an object with \"type\"");
    const std::string type = node.at("type").get<std::string>();
    try {
      if (type == "Sequence") {
        for (const auto& p : node.at("pretokenizers")) add(p);
      } else if (type == "Split") {
        pt.steps_.push_back(std::make_shared<SplitStep>(
            node.at("pattern"), parse_behavior(node.at("behavior").get<std::string>(), where),
            node.value("invert", false), where));
      } else if (type == "ByteLevel") {
        pt.steps_.push_back(std::make_shared<ByteLevelStep>(
            node.value("add_prefix_space", true), node.value("use_regex", true), where));
      } else if (type == "Digits") {
        pt.steps_.push_back(std::make_shared<SplitStep>(
            "\\p{N}",
            node.value("individual_digits", false) ? Behavior::Isolated : Behavior::Contiguous,
            where + " pre_tokenizer Digits"));
      } else if (type == "Whitespace") {
        // HF Whitespace: keep the matches, drop the gaps (an inverted Removed split).
        pt.steps_.push_back(std::make_shared<SplitStep>(
            nlohmann::json{{"Regex", "\\w+|[^\\w\\s]+"}}, Behavior::Removed, true, where));
      } else if (type == "WhitespaceSplit") {
        pt.steps_.push_back(std::make_shared<SplitStep>(nlohmann::json{{"Regex", "\\s+"}},
                                                        Behavior::Removed, false, where));
      } else {
        throw Error(where, "unsupported pre_tokenizer type \"" + type +
                               "\" (supported: Split, ByteLevel, Digits, Whitespace, "
                               "WhitespaceSplit, Sequence)");
      }
    } catch (const nlohmann::json::exception& e) {
      throw Error(where, "pre_tokenizer " + type + ": " + e.what());
    }
  };
  add(j);
  pt.byte_output_ = !pt.steps_.empty() && pt.steps_.back()->is_byte_level();
  return pt;
}

std::vector<std::string> PreTokenizer::run(std::string_view text) const {
  std::vector<std::string> cur;
  if (!text.empty()) cur.emplace_back(text);
  std::vector<std::string> next;
  for (size_t i = 0; i < steps_.size(); ++i) {
    next.clear();
    steps_[i]->apply(cur, next, i + 1 == steps_.size());
    cur.swap(next);
  }
  return cur;
}

}  // namespace r1::text
