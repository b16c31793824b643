// Answer extraction: which part of a model response (or of a gold answer) is "the answer".
//
// The rules are those of lighteval's ExtractiveMatch (metrics/utils/extractive_match_utils.py),
// the language-aware form of HF Math-Verify's parse(): patterns with priorities (lower = tried
// first) for three target kinds -- LaTeX (\boxed{}, $...$, \(...\), \[...\], a bare \frac{a}{b}),
// plain numbers and arithmetic ("expr"), and multiple-choice letters -- anchored on the language's
// answer word ("answer", "réponse", "答案"), its punctuation and spacing (answer_language.h).
// Within one priority the rightmost match is tried first. Two rules are ours, beside them:
// GSM8K's "#### N", and the whole rest of an "the answer is ..." sentence (Qwen2.5-Math's
// extract_answer reads it so) when it is one formula with no words: "The answer is \$10.",
// "The answer is \frac34i", "the answer is \dfrac{1}{2} + \frac{1}{72}".
//
// Candidates come back best first, one priority at a time (CandidateSearch); the verifier takes
// the first that parses (verify.h).
// When the response contains `</think>`, only the text after the last `</think>` is searched.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "rewards/math/boxed.h"

namespace r1::rewards::math {

// Which rule produced a candidate.
enum class ExtractionRule {
  Boxed,           // \boxed{...} / \fbox{...} (several boxes joined: "\boxed{1} and \boxed{2}" -> "1,2")
  Gsm8k,           // GSM8K's "#### N"
  FinalAnswerIs,   // "final answer is X" / "Final Answer: The final answer is X. I hope ..."
  AnswerSentence,  // the whole rest of "the answer is ..." (one formula, no words)
  AnswerIs,        // "answer: X", "the answer is X" (X within 50 characters of the answer word)
  LatexMath,       // a $...$, $$...$$, \(...\), \[...\] environment or a bare \frac{a}{b}
  PlainNumber,     // a plain number or arithmetic expression anywhere in the text
  Choice,          // a multiple-choice letter
  Whole,           // the whole text parsed as one answer (bare gold answers: "p - q", "10{,}000")
};

const char* rule_name(ExtractionRule rule);

// What a candidate holds (lighteval's extraction target types).
enum class Target { Latex, Expr, Letters };

struct ExtractOptions {
  // Targets searched for (lighteval's LatexExtractionConfig, ExprExtractionConfig,
  // IndicesExtractionConfig). Letters are off by default: "A" is also a word.
  bool latex = true;
  bool expr = true;
  bool letters = false;
  // The language whose answer word, connectives and punctuation anchor the patterns (an ISO 639-1
  // or 639-3 code or an English name: "en", "zh", "fra"; answer_language.h).
  std::string language = "en";
  // Multiple-choice labels: empty = the language's first `num_choices` letters ("A".."D").
  std::vector<std::string> choice_labels;
  int num_choices = 4;
  // Priority of the \boxed rule: 0 = before everything (R1 / open-r1 setting), 50 = Math-Verify's
  // library default (after "final answer is"), 55 = lighteval's; negative = boxed answers are not
  // extracted.
  int boxed_priority = 0;
  // Also match without an anchor (a bare $x$, number or letter anywhere): lighteval's
  // try_extract_without_anchor, for LaTeX/expressions and for letters.
  bool anchorless = true;
  bool letters_anchorless = true;
  bool only_after_think = true;          // search only after the last `think_close` when there is one
  std::string think_close = "</think>";  // the tag that ends the reasoning
  bool require_think_close = false;      // no `think_close` in the response -> nothing is extracted
  // The searched region is never cut: a longer one is "too large" (ExtractResult::too_large), not
  // read as its tail.
  size_t max_chars = 1 << 20;
};

// One LaTeX environment of a candidate (a candidate may join up to six: "$1$, $2$ and $3$").
struct LatexPiece {
  std::string latex;   // the environment's content, still LaTeX
  bool boxed = false;  // a bare "\boxed{...}" match: only its last boxes are read (Math-Verify's boxed="last")
  bool percent = false;
};

struct Extracted {
  std::string text;       // the candidate as written: LaTeX pieces joined with " and ", a number, a letter
  ExtractionRule rule = ExtractionRule::Whole;
  Target target = Target::Latex;
  int priority = 0;       // the rule's priority (lower = preferred)
  size_t begin = 0;       // span of the whole match in the searched string (after the </think> cut)
  size_t end = 0;
  bool percent = false;   // a "%", "percent" or "pct" followed the number
  std::vector<LatexPiece> pieces;  // Target::Latex: the environments
};

struct ExtractResult {
  std::vector<Extracted> candidates;  // best first
  // The region exceeded max_chars, or a pattern hit its backtracking bound: nothing trustworthy
  // was extracted (the verdict is "too large", never a guess from part of the text).
  bool too_large = false;
  std::string why;  // what was too large
};

// The part of `response` that is graded: after the last `think_close` when there is one.
std::string_view answer_region(std::string_view response, std::string_view think_close = "</think>");

struct ExtractPattern;  // extract_patterns.h

// The candidates of a response one priority at a time, best first: a verifier that takes the
// first candidate that parses runs only the patterns it needs (most responses stop at the \boxed
// rule). `response` must be valid UTF-8 (verify.h repairs it first) and outlive the search.
class CandidateSearch {
 public:
  CandidateSearch(std::string_view response, const ExtractOptions& opt);
  // The next priority's candidates, best first; empty once every priority is done or when the
  // region is too large.
  std::vector<Extracted> next();
  bool too_large() const { return !why_.empty(); }
  const std::string& why() const { return why_; }  // what was too large
  std::string_view region() const { return s_; }   // the searched text (after the </think> cut)

 private:
  std::string_view s_;
  const std::vector<ExtractPattern>* patterns_ = nullptr;  // null: nothing to search
  size_t next_ = 0;
  std::string why_;
};

// Every candidate, in the order the verifier tries them.
ExtractResult extract_candidates(std::string_view response, const ExtractOptions& opt = {});

// extract_candidates(...).candidates, empty when the region was too large.
std::vector<Extracted> extract_answers(std::string_view response, const ExtractOptions& opt = {});

}  // namespace r1::rewards::math
