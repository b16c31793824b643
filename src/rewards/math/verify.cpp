#include "rewards/math/verify.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "rewards/math/compare.h"
#include "rewards/math/normalize.h"
#include "rewards/math/parse.h"
#include "text/utf8.h"

namespace r1::rewards::math {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Equivalent: return "equivalent";
    case Verdict::NotEquivalent: return "not_equivalent";
    case Verdict::NoGold: return "no_gold";
    case Verdict::GoldUnparsable: return "gold_unparsable";
    case Verdict::NoAnswer: return "no_answer";
    case Verdict::Unparsable: return "unparsable";
    case Verdict::TooLarge: return "too_large";
    case Verdict::Timeout: return "timeout";
  }
  return "?";
}

namespace {

using clock = std::chrono::steady_clock;

struct DeadlinePassed {};

// One side after Math-Verify's parse(): the first candidate that parses.
struct Side {
  std::optional<Value> value;
  Extracted used;              // the candidate that parsed, else the first one tried
  bool any_candidate = false;  // something looked like an answer
  bool too_large = false;      // a bound was hit: no answer is taken from this side
  std::string error;           // why the first candidate did not parse / what was too large
};

// A gold written without any delimiter ("p - q", "10{,}000", "\text{Evelyn}"), not a sentence.
bool bare_answer(std::string_view t) {
  if (t.size() > 300 || !is_formula(t)) return false;
  for (std::string_view marker : {"\\boxed", "\\fbox", "####", "\\[", "\\(", "</think>", "\n"})
    if (t.find(marker) != std::string_view::npos) return false;
  for (size_t k = t.find('$'); k != std::string_view::npos; k = t.find('$', k + 1))
    if (k == 0 || t[k - 1] != '\\') return false;  // "\$5" is a price, not math mode
  return true;
}

// A "%" after the number: the value is a percentage (Math-Verify multiplies by 1/100).
void apply_percent(ParseResult& r, bool percent) {
  if (!percent || !r.value || r.value->kind != Value::Kind::Expr) return;
  r.value->ex = r.value->ex / 100;
  r.value->percent = true;
}

// The candidate's value: a letter as text, a number or expression, or LaTeX pieces (several pieces
// that all parse are one set, as Math-Verify joins "$1$ and $2$").
ParseResult parse_candidate(const Extracted& c) {
  if (c.target == Target::Letters) {
    Value t;
    t.kind = Value::Kind::Text;
    t.text = c.text;
    return {t, false, ""};
  }
  if (c.target == Target::Expr || c.pieces.empty()) {
    ParseResult r = parse_answer_checked(c.text);
    apply_percent(r, c.percent);
    return r;
  }
  std::vector<Value> values;
  for (const LatexPiece& piece : c.pieces) {
    NormalizeOptions no;
    no.boxed = piece.boxed ? NormalizeOptions::Boxed::Last : NormalizeOptions::Boxed::All;
    ParseResult r = parse_answer_checked(piece.latex, {}, no);
    if (!r.value) return r;
    apply_percent(r, piece.percent);
    values.push_back(std::move(*r.value));
  }
  if (values.size() == 1) return {std::move(values[0]), false, ""};
  Value set;
  set.kind = Value::Kind::Set;
  for (auto& v : values) {
    set.huge |= v.huge;
    if (v.kind == Value::Kind::Set)
      for (auto& e : v.items) set.items.push_back(std::move(e));
    else
      set.items.push_back(std::move(v));
  }
  return {set, false, ""};
}

// Where a candidate's formula sits, for the rule that nothing inside a formula that failed to
// parse is read in its place: each piece's own span (for a bare \boxed{.+} match, its last box).
std::vector<std::pair<size_t, size_t>> formula_spans(std::string_view s, const Extracted& c) {
  std::vector<std::pair<size_t, size_t>> out;
  if (c.target != Target::Latex || c.rule == ExtractionRule::AnswerSentence) return out;
  std::string_view match = s.substr(c.begin, c.end - c.begin);
  for (const LatexPiece& piece : c.pieces) {
    size_t at = match.find(piece.latex);
    if (at == std::string_view::npos) continue;
    size_t b = c.begin + at, e = b + piece.latex.size();
    if (piece.boxed) {
      size_t last = piece.latex.rfind("\\boxed");
      if (last != std::string::npos) b += last;
    }
    out.emplace_back(b, e);
  }
  return out;
}

Side parse_side(std::string_view text, const ExtractOptions& eo, clock::time_point deadline, bool try_whole) {
  Side out;
  if (try_whole && bare_answer(text)) {
    ParseResult r = parse_answer_checked(text);
    out.any_candidate = true;
    out.used.text = std::string(text);
    out.used.rule = ExtractionRule::Whole;
    out.used.end = text.size();
    if (r.value) {
      out.value = std::move(r.value);
      return out;
    }
    // A bare answer that does not parse whole has no answer inside it either ("9^{9^{9^9}}" is
    // not 9): the gold cannot be graded.
    out.too_large = r.too_large;
    out.error = r.error;
    return out;
  }
  CandidateSearch search(text, eo);
  std::vector<std::pair<size_t, size_t>> failed;
  bool first = true;
  for (auto group = search.next(); !group.empty(); group = search.next()) {
    for (const Extracted& c : group) {
      if (clock::now() > deadline) throw DeadlinePassed{};
      bool inside = false;
      for (const auto& [b, e] : failed) inside |= c.begin >= b && c.end <= e;
      if (inside) continue;
      if (first) {
        out.any_candidate = true;
        out.used = c;
      }
      ParseResult r = parse_candidate(c);
      if (r.value) {
        out.value = std::move(r.value);
        out.used = c;
        return out;
      }
      if (first) out.error = r.error;
      first = false;
      if (r.too_large) {
        out.used = c;
        out.too_large = true;
        out.error = r.error;
        return out;
      }
      for (const auto& span : formula_spans(search.region(), c)) failed.push_back(span);
    }
  }
  if (search.too_large()) {
    out.any_candidate = true;
    out.too_large = true;
    out.error = search.why();
  }
  return out;
}

// A gold that is one capital letter A-H ("B", "$(B)$"; not I, a pronoun): a multiple-choice key.
bool choice_key(const Side& gold) {
  if (!gold.value || gold.value->kind != Value::Kind::Expr || gold.used.text.size() > 12) return false;
  std::string letters;
  for (char c : normalize_latex(gold.used.text))
    if (c != '(' && c != ')' && c != ' ') letters += c;
  return letters.size() == 1 && letters[0] >= 'A' && letters[0] <= 'H';
}

std::mutex& ginac_mutex() {
  static std::mutex mu;
  return mu;
}

void describe(const Side& side, std::string& text, ExtractionRule& rule, std::string& parsed) {
  if (!side.any_candidate) return;
  text = side.used.text;
  rule = side.used.rule;
  if (side.value) parsed = to_string(*side.value);
}

VerifyResult grade(std::string_view gold_text, std::string_view response_text, const VerifyOptions& opt) {
  clock::time_point deadline =
      opt.timeout_ms > 0 ? clock::now() + std::chrono::milliseconds(opt.timeout_ms) : clock::time_point::max();
  VerifyResult r;
  auto finish = [&](Verdict v, std::string reason) {
    r.verdict = v;
    r.correct = v == Verdict::Equivalent;
    r.reason = std::move(reason);
    return r;
  };
  const ExtractOptions& ge = opt.gold_extract;
  const bool whole = opt.bare_gold && (ge.latex || ge.expr);
  Side g = parse_side(gold_text, ge, deadline, whole);
  ExtractOptions pe = opt.pred_extract;
  if (!pe.letters && !ge.letters && choice_key(g)) {
    // Anchored letters only: a bare "B" inside "Because" is no answer.
    pe.letters = true;
    pe.letters_anchorless = false;
    pe.choice_labels = {"A", "B", "C", "D", "E", "F", "G", "H"};
  }
  Side p = parse_side(response_text, pe, deadline, false);
  describe(g, r.gold, r.gold_rule, r.gold_parsed);
  describe(p, r.pred, r.pred_rule, r.pred_parsed);
  r.gold_found = g.value.has_value();
  if (g.too_large) return finish(Verdict::TooLarge, "too large: gold " + g.error);
  if (!g.any_candidate) return finish(Verdict::NoGold, "gold has no answer");
  if (!g.value) return finish(Verdict::GoldUnparsable, "gold could not be parsed: " + g.error);
  if (p.too_large) return finish(Verdict::TooLarge, "too large: response " + p.error);
  if (!p.any_candidate) return finish(Verdict::NoAnswer, "no answer found in response");
  if (!p.value) return finish(Verdict::Unparsable, "prediction could not be parsed: " + p.error);
  CompareOptions co;
  co.float_rounding = opt.precision;
  co.strict = opt.strict;
  co.allow_set_relation_comp = opt.allow_set_relation_comp;
  co.percent_lenient = opt.percent_lenient;
  co.deadline = deadline;
  try {
    if (values_equal(*g.value, *p.value, co)) return finish(Verdict::Equivalent, "equivalent");
  } catch (const CompareTooLarge&) {
    auto brief = [](const std::string& t) { return t.size() > 60 ? t.substr(0, 60) + "..." : t; };
    return finish(Verdict::TooLarge, "too large: " + brief(r.gold_parsed) + " vs " + brief(r.pred_parsed) +
                                         " holds a value too large to compare, and they are not written alike");
  }
  return finish(Verdict::NotEquivalent, "not equivalent");
}

}  // namespace

VerifyResult verify(std::string_view gold_text, std::string_view response_text, const VerifyOptions& opt) {
  // The patterns need valid UTF-8: model output cut inside a character is ordinary.
  std::string gold_fixed, response_fixed;
  if (!text::utf8::is_valid(gold_text)) gold_text = gold_fixed = text::utf8::lossy(gold_text);
  if (!text::utf8::is_valid(response_text)) response_text = response_fixed = text::utf8::lossy(response_text);
  std::lock_guard<std::mutex> lock(ginac_mutex());
  try {
    return grade(gold_text, response_text, opt);
  } catch (const CompareTimeout&) {
  } catch (const DeadlinePassed&) {
  }
  VerifyResult r;
  r.verdict = Verdict::Timeout;
  r.reason = "timeout";
  return r;
}

bool answers_equivalent(std::string_view gold, std::string_view pred, const VerifyOptions& opt) {
  VerifyOptions o = opt;
  o.pred_extract.only_after_think = false;
  return verify(gold, pred, o).correct;
}

std::string extract_answer(std::string_view response, const ExtractOptions& opt) {
  std::string fixed;
  if (!text::utf8::is_valid(response)) response = fixed = text::utf8::lossy(response);
  auto c = extract_answers(response, opt);
  return c.empty() ? std::string() : c[0].text;
}

}  // namespace r1::rewards::math
