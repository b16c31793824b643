#include "rl/rejection_sampling.h"

#include <map>
#include <set>
#include <unordered_set>

#include "rewards/language.h"
#include "text/utf8.h"

namespace r1::rl {

const char* drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::kKept: return "kept";
    case DropReason::kIncorrect: return "incorrect";
    case DropReason::kOverlong: return "overlong";
    case DropReason::kMixedLanguage: return "mixed_language";
    case DropReason::kRepetitive: return "repetitive";
    case DropReason::kDuplicate: return "duplicate";
    case DropReason::kOverQuota: return "over_quota";
  }
  return "?";
}

nlohmann::json RejectionStats::to_json() const {
  return {{"total", total},           {"kept", kept},
          {"incorrect", incorrect},   {"overlong", overlong},
          {"mixed_language", mixed_language}, {"repetitive", repetitive},
          {"duplicate", duplicate},   {"over_quota", over_quota},
          {"prompts", prompts},       {"prompts_with_kept", prompts_with_kept},
          {"keep_rate", total > 0 ? static_cast<double>(kept) / total : 0.0}};
}

double repeated_ngram_ratio(std::string_view text, int64_t n) {
  std::vector<std::string> units;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) units.push_back(std::move(cur));
    cur.clear();
  };
  for (size_t i = 0; i < text.size();) {
    size_t start = i;
    char32_t c = text::utf8::next(text, i);
    if (text::utf8::is_whitespace(c)) {
      flush();
    } else if ((c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x323AF)) {
      flush();
      units.emplace_back(text.substr(start, i - start));
    } else {
      cur.append(text.substr(start, i - start));
    }
  }
  flush();
  if (n <= 0 || static_cast<int64_t>(units.size()) < n) return 0.0;
  std::set<std::vector<std::string>> distinct;
  const int64_t grams = static_cast<int64_t>(units.size()) - n + 1;
  for (int64_t i = 0; i < grams; ++i) distinct.insert(std::vector<std::string>(units.begin() + i, units.begin() + i + n));
  return 1.0 - static_cast<double>(distinct.size()) / static_cast<double>(grams);
}

std::string normalize_whitespace(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (size_t i = 0; i < text.size();) {
    size_t start = i;
    char32_t c = text::utf8::next(text, i);
    if (text::utf8::is_whitespace(c)) {
      pending_space = !out.empty();
    } else {
      if (pending_space) out += ' ';
      pending_space = false;
      out.append(text.substr(start, i - start));
    }
  }
  return out;
}

namespace {

bool mixes_languages(const std::string& response, const RejectionConfig& cfg) {
  const rewards::WordCounts w = rewards::count_words(rewards::chain_of_thought(response));
  const int64_t target = w.in_language(cfg.language);
  return w.total() > 0 && static_cast<double>(target) / static_cast<double>(w.total()) < cfg.min_language;
}

}  // namespace

std::vector<DropReason> rejection_filter(const std::vector<Candidate>& candidates, const RejectionConfig& cfg,
                                         RejectionStats* stats) {
  std::vector<DropReason> out;
  std::unordered_set<std::string> seen;
  std::map<std::string, int64_t> kept_per_prompt;
  RejectionStats st;
  for (const auto& c : candidates) {
    DropReason r = DropReason::kKept;
    kept_per_prompt.emplace(c.prompt, 0);
    if (!c.correct) {
      r = DropReason::kIncorrect;
    } else if ((cfg.max_tokens > 0 && c.tokens > cfg.max_tokens) ||
               (cfg.max_chars > 0 && static_cast<int64_t>(c.response.size()) > cfg.max_chars)) {
      r = DropReason::kOverlong;
    } else if (cfg.min_language >= 0 && mixes_languages(c.response, cfg)) {
      r = DropReason::kMixedLanguage;
    } else if (cfg.max_repeat_ratio < 1 && repeated_ngram_ratio(c.response, cfg.repeat_ngram) > cfg.max_repeat_ratio) {
      r = DropReason::kRepetitive;
    } else if (cfg.dedup && seen.count(c.prompt + '\0' + normalize_whitespace(c.response))) {
      r = DropReason::kDuplicate;
    } else if (cfg.max_per_prompt > 0 && kept_per_prompt[c.prompt] >= cfg.max_per_prompt) {
      r = DropReason::kOverQuota;
    }
    if (r == DropReason::kKept) {
      if (cfg.dedup) seen.insert(c.prompt + '\0' + normalize_whitespace(c.response));
      ++kept_per_prompt[c.prompt];
    }
    ++st.total;
    switch (r) {
      case DropReason::kKept: ++st.kept; break;
      case DropReason::kIncorrect: ++st.incorrect; break;
      case DropReason::kOverlong: ++st.overlong; break;
      case DropReason::kMixedLanguage: ++st.mixed_language; break;
      case DropReason::kRepetitive: ++st.repetitive; break;
      case DropReason::kDuplicate: ++st.duplicate; break;
      case DropReason::kOverQuota: ++st.over_quota; break;
    }
    out.push_back(r);
  }
  st.prompts = kept_per_prompt.size();
  for (const auto& kv : kept_per_prompt) st.prompts_with_kept += kv.second > 0;
  if (stats) *stats = st;
  return out;
}

}  // namespace r1::rl
