// Answer extraction: which part of a model response (or of a gold answer) is "the answer".
//
// Mirrors the behaviour of HF Math-Verify's parse(): candidate spans are found by rules with
// priorities (lower = tried first); within one priority the rightmost span is tried first; the
// verifier takes the first candidate that parses. Candidates are returned in that order, so a
// caller that only wants a string takes the first one.
//
// When the response contains `</think>`, only the text after the last `</think>` is searched
// (R1 graders grade the summary, not the reasoning).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace r1::rewards::math {

// Which rule produced a candidate.
enum class ExtractionRule {
  Boxed,          // last \boxed{...} / \fbox{...} (adjacent boxes joined: "\boxed{1} and \boxed{2}")
  Gsm8k,          // GSM8K's "#### N"
  FinalAnswerIs,  // "final answer is X" / "Final Answer: The final answer is X. I hope ..."
  AnswerIs,       // "answer: X", "the answer is X" (X within 50 characters of "answer")
  LatexMath,      // a $...$, $$...$$, \(...\), \[...\] environment or a bare \frac{a}{b}
  PlainNumber,    // fallback: a plain number or arithmetic expression in the text
  Choice,         // a multiple-choice letter (only when ExtractOptions::choices is set)
  Whole,          // the whole text parsed as one answer (bare gold answers: "p - q", "10{,}000")
};

const char* rule_name(ExtractionRule rule);

struct ExtractOptions {
  // Priority of the \boxed rule: 0 = before everything (R1 / open-r1 setting), 50 = Math-Verify's
  // library default (after "final answer is"), negative = boxed answers are not extracted.
  int boxed_priority = 0;
  bool latex = true;       // LaTeX rules (boxed, math environments, answer-prefixed LaTeX)
  bool expr = true;        // plain-text numbers and arithmetic expressions
  std::string choices;     // multiple-choice letters, e.g. "ABCD"; empty = no choice extraction
  bool only_after_think = true;  // search only after the last `think_close` when there is one
  std::string think_close = "</think>";  // the tag that ends the reasoning
  bool require_think_close = false;      // no `think_close` in the response -> nothing is extracted
  size_t max_chars = 50000;      // only the last max_chars of that region are searched (bounds time)
};

struct Extracted {
  std::string text;       // the candidate answer, still LaTeX (e.g. "\frac{1}{2}", "28\%")
  ExtractionRule rule;
  int priority = 0;       // the rule's priority (lower = preferred)
  size_t begin = 0;       // span of `text` in the searched string (after </think> cut)
  size_t end = 0;
  bool percent = false;   // a "%", "percent" or "pct" followed the span
};

// The part of `response` that is graded: after the last `think_close` when there is one.
std::string_view answer_region(std::string_view response, std::string_view think_close = "</think>");

// Candidates in the order the verifier tries them (best first). Empty when nothing looks like an
// answer.
std::vector<Extracted> extract_answers(std::string_view response, const ExtractOptions& opt = {});

// Content of the last \boxed{...} (or \fbox{...}) with nested braces; "" when there is none.
// With `join_adjacent`, boxes separated by a short connector ("and", ",", "or", < 10 characters)
// are joined with "," ("\boxed{1} and \boxed{2}" -> "1,2").
std::string last_boxed(std::string_view text, bool join_adjacent = false);

}  // namespace r1::rewards::math
