#include "rewards/math/verify.h"

#include <cctype>
#include <chrono>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "rewards/math/compare.h"
#include "rewards/math/normalize.h"
#include "rewards/math/parse.h"

namespace r1::rewards::math {

namespace {

struct DeadlinePassed {};

// One side after Math-Verify's parse(): the first candidate that parses, plus the first
// candidate's text as a string fallback.
struct Parsed {
  std::optional<Value> value;
  Extracted used;           // the candidate that parsed (or the first one when none did)
  std::string fallback;     // normalized text of the first candidate
  bool any_candidate = false;
};

bool is_latex_rule(ExtractionRule r) {
  return r == ExtractionRule::Boxed || r == ExtractionRule::LatexMath || r == ExtractionRule::AnswerIs ||
         r == ExtractionRule::FinalAnswerIs;
}

// A gold answer written without any delimiter ("p - q", "10{,}000", "\\text{Evelyn}"), not a
// sentence: no word of three or more letters outside a command, its braces or \text{...}
// ("Answer is forty two." is prose, left to extraction, which finds no answer in it).
bool has_bare_word(std::string_view t) {
  static const char* const kMath[] = {"sqrt", "sin", "cos", "tan", "cot", "sec", "csc", "log", "exp", "inf", "infty"};
  size_t i = 0;
  while (i < t.size()) {
    if (t[i] == '\\') {
      size_t k = i + 1;
      while (k < t.size() && std::isalpha(static_cast<unsigned char>(t[k]))) ++k;
      std::string_view name = t.substr(i + 1, k - i - 1);
      i = k;
      // Skip the argument of text-like commands and environment names.
      bool text_like = name == "text" || name == "mathrm" || name == "textbf" || name == "mbox" ||
                       name == "operatorname" || name == "begin" || name == "end" || name == "textnormal" ||
                       name == "mathbf" || name == "textit";
      if (text_like && i < t.size() && t[i] == '{') {
        size_t close = t.find('}', i);
        i = close == std::string_view::npos ? t.size() : close + 1;
      }
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(t[i]))) {
      size_t k = i;
      while (k < t.size() && std::isalpha(static_cast<unsigned char>(t[k]))) ++k;
      std::string_view word = t.substr(i, k - i);
      if (word.size() >= 3) {
        bool math = false;
        for (const char* w : kMath) math |= word == w;
        if (!math) return true;
      }
      i = k;
      continue;
    }
    ++i;
  }
  return false;
}

bool bare_answer(std::string_view t) {
  if (t.size() > 300 || has_bare_word(t)) return false;
  for (std::string_view marker : {"\\boxed", "\\fbox", "####", "\\[", "\\(", "</think>", "\n"})
    if (t.find(marker) != std::string_view::npos) return false;
  for (size_t k = t.find('$'); k != std::string_view::npos; k = t.find('$', k + 1))
    if (k == 0 || t[k - 1] != '\\') return false;  // "\$5" is a price, not math mode
  return true;
}

Parsed parse_side(std::string_view text, const ExtractOptions& eo, std::chrono::steady_clock::time_point deadline,
                  bool try_whole) {
  Parsed out;
  if (try_whole && bare_answer(text)) {
    if (auto v = parse_answer(text)) {
      out.value = std::move(v);
      out.any_candidate = true;
      out.used.text = std::string(text);
      out.used.rule = ExtractionRule::Whole;
      out.used.end = text.size();
      out.fallback = normalize_latex(text);
      return out;
    }
  }
  std::vector<Extracted> cands = extract_answers(text, eo);
  if (cands.empty()) return out;
  out.any_candidate = true;
  out.used = cands[0];
  out.fallback = normalize_latex(cands[0].text);
  // A formula that failed to parse must not later supply a number from its inside.
  std::vector<std::pair<size_t, size_t>> failed;
  for (const Extracted& c : cands) {
    if (std::chrono::steady_clock::now() > deadline) throw DeadlinePassed{};
    if (c.rule == ExtractionRule::PlainNumber) {
      bool inside = false;
      for (auto& [b, e] : failed) inside |= c.begin < e && c.end > b;
      if (inside) continue;
    }
    std::optional<Value> v;
    if (c.rule == ExtractionRule::Choice) {
      Value t;
      t.kind = Value::Kind::Text;
      t.text = c.text;
      v = t;
    } else {
      v = parse_answer(c.text);
    }
    if (v && c.percent && v->kind == Value::Kind::Expr) {
      v->ex = v->ex / 100;
      v->percent = true;
    }
    if (v) {
      out.value = std::move(v);
      out.used = c;
      return out;
    }
    if (is_latex_rule(c.rule)) failed.emplace_back(c.begin, c.end);
  }
  return out;
}

std::mutex& ginac_mutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

VerifyResult verify(std::string_view gold_text, std::string_view response_text, const VerifyOptions& opt) {
  using clock = std::chrono::steady_clock;
  std::lock_guard<std::mutex> lock(ginac_mutex());
  clock::time_point deadline =
      opt.timeout_ms > 0 ? clock::now() + std::chrono::milliseconds(opt.timeout_ms) : clock::time_point::max();
  VerifyResult r;
  try {
    Parsed g = parse_side(gold_text, opt.gold_extract, deadline, opt.bare_gold);
    ExtractOptions pred_extract = opt.pred_extract;
    if (pred_extract.choices.empty() && g.value && g.value->kind == Value::Kind::Expr && g.used.text.size() <= 12) {
      // A gold that is one capital letter A-H ("B", "$(B)$"; not I, a pronoun) is a multiple-choice
      // key: also look for letters such as "The answer is (B)" in the response.
      std::string letters;
      for (char c : normalize_latex(g.used.text))
        if (c != '(' && c != ')' && c != ' ') letters += c;
      if (letters.size() == 1 && letters[0] >= 'A' && letters[0] <= 'H') pred_extract.choices = "ABCDEFGH";
    }
    Parsed p = parse_side(response_text, pred_extract, deadline, false);
    if (g.any_candidate) {
      r.gold = g.used.text;
      r.gold_rule = g.used.rule;
      if (g.value) r.gold_parsed = to_string(*g.value);
      r.gold_found = g.value.has_value();
    }
    if (p.any_candidate) {
      r.pred = p.used.text;
      r.pred_rule = p.used.rule;
      if (p.value) r.pred_parsed = to_string(*p.value);
    }
    if (!g.any_candidate) {
      r.reason = "gold has no answer";
      return r;
    }
    if (!p.any_candidate) {
      r.reason = "no answer found in response";
      return r;
    }
    if (g.value && p.value) {
      CompareOptions co;
      co.float_rounding = opt.float_rounding;
      co.strict = opt.strict;
      co.allow_set_relation_comp = opt.allow_set_relation_comp;
      co.percent_lenient = opt.percent_lenient;
      co.deadline = deadline;
      if (values_equal(*g.value, *p.value, co)) {
        r.correct = true;
        r.reason = "equivalent";
        return r;
      }
    }
    if (!g.fallback.empty() && g.fallback == p.fallback) {
      r.correct = true;
      r.reason = "equal as text";
      return r;
    }
    if (!g.value) r.reason = "gold did not parse; texts differ";
    else if (!p.value) r.reason = "prediction did not parse; texts differ";
    else r.reason = "not equivalent";
  } catch (const CompareTimeout&) {
    r.correct = false;
    r.reason = "timeout";
  } catch (const DeadlinePassed&) {
    r.correct = false;
    r.reason = "timeout";
  } catch (const std::exception& e) {
    r.correct = false;
    r.reason = std::string("error: ") + e.what();
  }
  return r;
}

bool answers_equivalent(std::string_view gold, std::string_view pred, const VerifyOptions& opt) {
  VerifyOptions o = opt;
  o.pred_extract.only_after_think = false;
  return verify(gold, pred, o).correct;
}

std::string extract_answer(std::string_view response, const ExtractOptions& opt) {
  auto c = extract_answers(response, opt);
  return c.empty() ? std::string() : c[0].text;
}

}  // namespace r1::rewards::math
