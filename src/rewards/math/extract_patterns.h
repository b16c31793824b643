// The extraction patterns of lighteval's ExtractiveMatch / Math-Verify's parse(), as PCRE2
// patterns built for one language (lazy_latex_regex, lazy_expr_regex, lazy_indices_regex), with
// the numbers of their capture groups. Internal to extract.cpp.
#pragma once
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "rewards/math/answer_language.h"
#include "rewards/math/extract.h"
#include "text/regex.h"

namespace r1::rewards::math {

struct ExtractPattern {
  text::Regex re;
  int priority = 0;
  Target target = Target::Latex;
  ExtractionRule rule = ExtractionRule::LatexMath;

  // Target::Latex: per environment slot (first, next1 .. next5) the groups of its alternatives
  // (group number, is the bare "\boxed{.+}" group) and of its percent suffix.
  struct EnvSlot {
    std::vector<std::pair<int, bool>> contents;
    int percent = -1;
  };
  std::vector<EnvSlot> slots;
  // Target::Expr (and the GSM8K rule): the expression, or the number's parts.
  int expr = -1, percent = -1;
  std::array<int, 3> integer{{-1, -1, -1}}, decimal{{-1, -1, -1}};
  // Target::Letters: the label, "(B)" or "B".
  int letter = -1;

  ExtractPattern(const std::string& pattern, int priority, Target target, ExtractionRule rule);
};

// Every pattern the options ask for, in lighteval's target order (letters, LaTeX, expressions),
// each target's patterns in its own order. Throws r1::Error for an unknown language.
std::vector<ExtractPattern> build_extract_patterns(const ExtractOptions& opt, const AnswerLanguage& lang);

// "[\.。]": a class of an ASCII mark and a language's own, safe for PCRE2.
std::string punctuation_class(const std::string& native, char ascii);

// The labels of a multiple-choice question: opt.choice_labels, else the language's first
// opt.num_choices letters.
std::vector<std::string> choice_labels(const ExtractOptions& opt, const AnswerLanguage& lang);

}  // namespace r1::rewards::math
