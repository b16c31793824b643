#include "rewards/math/extract.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "core/error.h"
#include "rewards/math/answer_language.h"
#include "rewards/math/extract_patterns.h"
#include "rewards/math/normalize.h"

namespace r1::rewards::math {

const char* rule_name(ExtractionRule rule) {
  switch (rule) {
    case ExtractionRule::Boxed: return "boxed";
    case ExtractionRule::Gsm8k: return "gsm8k";
    case ExtractionRule::FinalAnswerIs: return "final_answer_is";
    case ExtractionRule::AnswerSentence: return "answer_sentence";
    case ExtractionRule::AnswerIs: return "answer_is";
    case ExtractionRule::LatexMath: return "latex_math";
    case ExtractionRule::PlainNumber: return "plain_number";
    case ExtractionRule::Choice: return "choice";
    case ExtractionRule::Whole: return "whole";
  }
  return "?";
}

std::string_view answer_region(std::string_view response, std::string_view think_close) {
  size_t pos = think_close.empty() ? std::string_view::npos : response.rfind(think_close);
  if (pos == std::string_view::npos) return response;
  return response.substr(pos + think_close.size());
}

namespace {

// Backtracking bound per pattern and text: far above what an answer needs (a 200 KB response
// takes well under a million steps), low enough to stop pathological input in milliseconds.
constexpr uint32_t kMatchLimit = 20000000;

std::string_view span_of(std::string_view s, const text::Regex::Match& m, int group) {
  if (!m.has(group)) return {};
  return s.substr(m.spans[group].first, m.spans[group].second - m.spans[group].first);
}

// ---- the ours-beside-theirs rules ------------------------------------------------------------

// "#### 1,234": GSM8K's final-answer line.
ExtractPattern gsm8k_pattern() {
  return ExtractPattern(
      "(*LF)####\\s*[$€£¥]?(?:(?P<integer1>-?[1-9]\\d{0,2}(?:,\\d{3})+)(?P<decimal1>\\.\\d+)?|(?P<integer2>-?\\d+)"
      "(?P<decimal2>\\.\\d+)|(?P<decimal3>\\.\\d+)|(?P<integer3>-?\\d+))",
      0, Target::Expr, ExtractionRule::Gsm8k);
}

// Where an "the answer is" sentence starts its answer: English's copula forms, the language's
// "answer:" and Chinese 答案是 / 答案为 (Qwen2.5-Math reads "he answer is", "final answer is", 答案是).
// With letters among the targets, after their anchored rules ("The answer is (C)." is a letter).
ExtractPattern sentence_anchor(const AnswerLanguage& lang, bool letters) {
  std::string anchors = "(?i:" + text::regex_escape(lang.answer) + ")\\s?" + punctuation_class(lang.colon, ':');
  if (lang.iso639_3 == "eng") anchors += "|(?i:(?:the|final) answer is)\\s*:?";
  if (lang.iso639_3 == "zho") anchors += "|答案(?:是|为)[:：]?";
  return ExtractPattern("(*LF)(?:" + anchors + ")", letters ? 160 : 90, Target::Latex, ExtractionRule::AnswerSentence);
}

// A formula answer is short; a longer "sentence" is prose or a derivation, left to the other rules.
constexpr size_t kMaxSentence = 300;

// The sentence after an anchor: up to a line break or a sentence end (".", "!", "?", "。" before a
// space or the end) outside math and braces, trailing punctuation dropped. Only kMaxSentence + 1
// bytes are looked at.
std::string_view sentence_after(std::string_view s, size_t from) {
  size_t i = from;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  size_t b = i;
  int braces = 0;
  bool dollar = false;
  const size_t limit = std::min(s.size(), b + kMaxSentence + 1);
  for (; i < limit; ++i) {
    char c = s[i];
    if (c == '\n') break;
    if (c == '\\' && i + 1 < s.size()) {
      ++i;
      continue;
    }
    if (c == '{') ++braces;
    if (c == '}') --braces;
    if (c == '$') dollar = !dollar;
    if (braces > 0 || dollar) continue;
    bool end_mark = c == '.' || c == '!' || c == '?';
    if (end_mark && (i + 1 >= s.size() || s[i + 1] == ' ' || s[i + 1] == '\n' || s[i + 1] == '\t')) break;
    if (s.compare(i, 3, "。") == 0) break;
  }
  size_t e = i;
  auto trailing = [](char c) { return c == ' ' || c == '.' || c == ',' || c == ';' || c == ':' || c == '*'; };
  while (e > b && trailing(s[e - 1])) --e;
  while (b < e && s[b] == '*') ++b;  // markdown bold: "**42**"
  return s.substr(b, e - b);
}

// An upper estimate of the characters the patterns step through on `s`. PCRE2 (like Python's re)
// backtracks: from every "$$" or "\[" it scans to the closer or the end of the text, from "\(" or
// "$" to the closer or the end of the line, and over a run of digits, spaces and operators from
// every space in it; each answer word repeats the scans of the openers after it. Unclosed openers
// by the thousand make that quadratic -- the text is then too large, not searched for minutes.
double scan_cost(std::string_view s, const AnswerLanguage& lang) {
  std::vector<size_t> at;    // opener positions, increasing
  std::vector<double> sum;   // prefix sums of their scan lengths
  auto escaped = [&](size_t k) { return k > 0 && s[k - 1] == '\\'; };
  auto next_of = [&](std::string_view token, size_t from, bool line) {
    size_t close = s.find(token, from);
    if (line) close = std::min(close, s.find('\n', from));
    return close == std::string_view::npos ? s.size() : close;
  };
  size_t next_display = std::string_view::npos, next_bracket = std::string_view::npos;
  size_t next_paren = std::string_view::npos, next_dollar = std::string_view::npos;
  for (size_t i = 0; i < s.size(); ++i) {
    double len = 0;
    if (s[i] == '$' && !escaped(i)) {
      if (next_dollar == std::string_view::npos || next_dollar <= i) next_dollar = next_of("$", i + 1, true);
      len = static_cast<double>(next_dollar - i);
      if (i + 1 < s.size() && s[i + 1] == '$') {
        if (next_display == std::string_view::npos || next_display <= i + 1) next_display = next_of("$$", i + 2, false);
        len += static_cast<double>(next_display - i);
      }
    } else if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '[' || s[i + 1] == '(') && !escaped(i)) {
      size_t& next = s[i + 1] == '[' ? next_bracket : next_paren;
      if (next == std::string_view::npos || next <= i) next = next_of(s[i + 1] == '[' ? "\\]" : "\\)", i + 2, s[i + 1] == '(');
      len = static_cast<double>(next - i);
    }
    if (len > 0) {
      at.push_back(i);
      sum.push_back((sum.empty() ? 0 : sum.back()) + len);
    }
  }
  auto scans_in = [&](size_t from, size_t to) {  // summed scan lengths of openers in [from, to)
    size_t a = std::lower_bound(at.begin(), at.end(), from) - at.begin();
    size_t b = std::lower_bound(at.begin(), at.end(), to) - at.begin();
    return b > a ? sum[b - 1] - (a > 0 ? sum[a - 1] : 0) : 0.0;
  };
  double cost = 2 * (sum.empty() ? 0 : sum.back());  // the plain and the boxed-context environments
  for (const std::string& word : {lang.answer, std::string("final answer")}) {
    for (size_t k = 0; k + word.size() <= s.size(); ++k) {
      bool hit = true;
      for (size_t j = 0; j < word.size() && hit; ++j)
        hit = std::tolower(static_cast<unsigned char>(s[k + j])) == std::tolower(static_cast<unsigned char>(word[j]));
      if (hit) cost += 4 * scans_in(k, k + word.size() + 160);
    }
  }
  // Expression runs: [\d.\s+-*/^()] from each space or "=" in them.
  for (size_t i = 0; i < s.size();) {
    auto expr_char = [&](char c) { return std::isdigit(static_cast<unsigned char>(c)) || std::strchr(" \t\n.+-*/^()=", c); };
    if (!expr_char(s[i])) {
      ++i;
      continue;
    }
    size_t b = i;
    double starts = 1;
    for (; i < s.size() && expr_char(s[i]); ++i) starts += s[i] == ' ' || s[i] == '=' || s[i] == '\n';
    cost += 4 * starts * static_cast<double>(i - b);
  }
  return cost;
}

// Far above a real response (a 300 KB R1 trace costs a few million), a fraction of a second of
// pattern work.
constexpr double kMaxScanCost = 4e7;

// ---- compiled pattern sets, cached per configuration ----------------------------------------

// Every rule's pattern, stably sorted by priority (lighteval's target order, then each target's
// pattern order, among equal priorities).
struct PatternSet {
  std::vector<ExtractPattern> patterns;
};

std::string signature(const ExtractOptions& o, const AnswerLanguage& lang) {
  std::string sig = lang.iso639_3 + "|" + std::to_string(o.latex) + std::to_string(o.expr) +
                    std::to_string(o.letters) + std::to_string(o.anchorless) + std::to_string(o.letters_anchorless) +
                    "|" + std::to_string(o.boxed_priority) + "|" + std::to_string(o.num_choices) + "|";
  for (const auto& l : o.choice_labels) sig += l + "\x1f";
  return sig;
}

const PatternSet& pattern_set(const ExtractOptions& opt) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<PatternSet>> cache;
  const AnswerLanguage& lang = answer_language(opt.language);
  std::string key = signature(opt, lang);
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  auto set = std::make_unique<PatternSet>();
  set->patterns = build_extract_patterns(opt, lang);
  if (opt.expr) set->patterns.push_back(gsm8k_pattern());
  if (opt.latex) set->patterns.push_back(sentence_anchor(lang, opt.letters));
  std::stable_sort(set->patterns.begin(), set->patterns.end(),
                   [](const ExtractPattern& a, const ExtractPattern& b) { return a.priority < b.priority; });
  return *cache.emplace(key, std::move(set)).first->second;
}

// ---- matches -> candidates --------------------------------------------------------------------


// extract_expr: "1,234" -> "1234", "0012" -> "12", "1,5" -> "1.5".
std::string number_text(std::string_view s, const ExtractPattern& p, const text::Regex::Match& m) {
  std::string integer, decimal;
  for (int k = 0; k < 3; ++k) {
    if (integer.empty() && m.has(p.integer[k])) integer = std::string(span_of(s, m, p.integer[k]));
    if (decimal.empty() && m.has(p.decimal[k])) decimal = std::string(span_of(s, m, p.decimal[k]));
  }
  if (integer.empty() && decimal.empty()) return "";
  bool neg = !integer.empty() && integer[0] == '-';
  std::string digits;
  for (char c : integer)
    if (c != ',' && c != ' ' && c != '-') digits += c;
  size_t z = 0;
  while (z < digits.size() && digits[z] == '0') ++z;
  digits = digits.substr(z);
  if (digits.empty()) digits = "0";
  for (char& c : decimal)
    if (c == ',') c = '.';
  return (neg ? "-" : "") + digits + decimal;
}

bool candidate_from(std::string_view s, const ExtractPattern& p, const text::Regex::Match& m, Extracted& out) {
  out.rule = p.rule;
  out.target = p.target;
  out.priority = p.priority;
  out.begin = m.spans[0].first;
  out.end = m.spans[0].second;
  if (p.target == Target::Letters) {
    std::string label(span_of(s, m, p.letter));
    label.erase(std::remove_if(label.begin(), label.end(), [](char c) { return c == '(' || c == ')' || c == ' '; }),
                label.end());
    out.text = label;
    return !label.empty();
  }
  if (p.target == Target::Expr) {
    std::string number = number_text(s, p, m);
    if (!number.empty()) {
      out.text = number;
      out.percent = m.has(p.percent);
      return true;
    }
    std::string_view expr = span_of(s, m, p.expr);
    size_t b = 0, e = expr.size();
    while (b < e && (expr[b] == ' ' || expr[b] == '\n' || expr[b] == '\t')) ++b;
    while (e > b && (expr[e - 1] == ' ' || expr[e - 1] == '\n' || expr[e - 1] == '\t')) --e;
    out.text = std::string(expr.substr(b, e - b));
    return !out.text.empty();
  }
  for (const auto& slot : p.slots) {
    for (const auto& [group, boxed] : slot.contents) {
      if (!m.has(group)) continue;
      LatexPiece piece;
      piece.latex = std::string(span_of(s, m, group));
      piece.boxed = boxed;
      piece.percent = m.has(slot.percent);
      if (!piece.latex.empty()) out.pieces.push_back(std::move(piece));
      break;
    }
  }
  for (const auto& piece : out.pieces) {
    bool has_box = piece.latex.find("\\boxed") != std::string::npos || piece.latex.find("\\fbox") != std::string::npos;
    std::string shown = piece.boxed ? last_boxed(piece.latex, true) : has_box ? all_boxed(piece.latex) : piece.latex;
    out.text += (out.text.empty() ? "" : " and ") + shown;
  }
  return !out.pieces.empty();
}

// The whole rest of an answer sentence, when it is one formula.
bool sentence_candidate(std::string_view s, const ExtractPattern& p, const text::Regex::Match& m, Extracted& out) {
  std::string_view rest = sentence_after(s, m.spans[0].second);
  if (rest.empty() || rest.size() > kMaxSentence || !is_formula(rest)) return false;
  out.rule = ExtractionRule::AnswerSentence;
  out.target = Target::Latex;
  out.priority = p.priority;
  out.begin = m.spans[0].first;
  out.end = static_cast<size_t>(rest.data() - s.data()) + rest.size();
  out.text = std::string(rest);
  out.pieces.push_back({std::string(rest), false, false});
  return true;
}

}  // namespace

CandidateSearch::CandidateSearch(std::string_view response, const ExtractOptions& opt) {
  if (opt.require_think_close && response.find(opt.think_close) == std::string_view::npos) return;
  s_ = opt.only_after_think ? answer_region(response, opt.think_close) : response;
  if (s_.size() > opt.max_chars) {
    why_ = "the answer region has " + std::to_string(s_.size()) + " bytes (limit " + std::to_string(opt.max_chars) + ")";
    return;
  }
  if (scan_cost(s_, answer_language(opt.language)) > kMaxScanCost) {
    why_ = "the answer region (" + std::to_string(s_.size()) + " bytes) has too many unclosed math openers or " +
           "operator runs to search in bounded time";
    return;
  }
  patterns_ = &pattern_set(opt).patterns;
}

std::vector<Extracted> CandidateSearch::next() {
  std::vector<Extracted> cands;
  if (!patterns_ || !why_.empty()) return cands;
  const std::vector<ExtractPattern>& all = *patterns_;
  // In pattern order, each pattern's matches left to right; the stable sort below keeps that order
  // among equal spans, as Math-Verify's sorted() does.
  while (cands.empty() && next_ < all.size()) {
    const int priority = all[next_].priority;
    for (; next_ < all.size() && all[next_].priority == priority; ++next_) {
      const ExtractPattern& p = all[next_];
      auto found = p.re.match_all(s_, kMatchLimit);
      if (found.limit_hit) {
        why_ = "answer search over " + std::to_string(s_.size()) + " bytes exceeded its backtracking bound";
        return {};
      }
      for (const auto& m : found.matches) {
        Extracted c;
        if (p.rule == ExtractionRule::AnswerSentence ? sentence_candidate(s_, p, m, c) : candidate_from(s_, p, m, c))
          cands.push_back(std::move(c));
      }
    }
  }
  // The rightmost end first, then the leftmost start.
  std::stable_sort(cands.begin(), cands.end(), [](const Extracted& a, const Extracted& b) {
    if (a.end != b.end) return a.end > b.end;
    return a.begin < b.begin;
  });
  return cands;
}

ExtractResult extract_candidates(std::string_view response, const ExtractOptions& opt) {
  ExtractResult result;
  CandidateSearch search(response, opt);
  for (auto group = search.next(); !group.empty(); group = search.next())
    for (auto& c : group) result.candidates.push_back(std::move(c));
  result.too_large = search.too_large();
  result.why = search.why();
  if (result.too_large) result.candidates.clear();
  return result;
}

std::vector<Extracted> extract_answers(std::string_view response, const ExtractOptions& opt) {
  return extract_candidates(response, opt).candidates;
}

}  // namespace r1::rewards::math
