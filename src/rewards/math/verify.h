// Math answer verification, Math-Verify / lighteval style: extract and parse the gold, extract and
// parse the response, compare.
//
//   #include "rewards/math/verify.h"
//   namespace m = r1::rewards::math;
//   m::VerifyResult r = m::verify("\\frac{1}{2}", "... so the answer is $\\boxed{0.5}$.");
//   r.correct  // true;  r.pred == "0.5", r.pred_rule == ExtractionRule::Boxed
//
// Both sides go through extraction (extract.h) then parsing (parse.h): the gold may be a bare
// answer ("3", "\frac{1}{2}"), "$...$", "\boxed{...}", a GSM8K solution ending in "#### 18" or a
// whole MATH solution. The response is graded after its last </think>. A gold that is a single
// capital letter A-H is read as a multiple-choice key: the response is then also searched for
// choice letters ("The answer is (B)"); ExtractOptions::letters asks for that explicitly.
//
// The verifier never guesses. Each side's answer is the first candidate that parses; a number
// inside a formula that failed to parse is never tried in its place. A side that yields no answer,
// or one that does not parse, is graded "not equivalent" with that reason (Verdict), and a gold
// that does not parse means the item cannot be graded (gold_found false: no reward, not "wrong").
// Bounds -- the size of the searched text, parse depth and size, exact-integer size, a deadline
// (VerifyOptions::timeout_ms) -- give the verdicts TooLarge and Timeout, never a partial reading.
// Input that is not valid UTF-8 is repaired (U+FFFD) before it is searched.
//
// GiNaC is not thread-safe: calls are serialized by an internal mutex (safe from any thread,
// but one at a time; run several processes for parallel grading).
#pragma once
#include <string>
#include <string_view>

#include "rewards/math/extract.h"

namespace r1::rewards::math {

// How a comparison ended.
enum class Verdict {
  Equivalent,      // both sides parsed and are equal
  NotEquivalent,   // both sides parsed and differ
  NoGold,          // nothing in the gold looks like an answer (the item cannot be graded)
  GoldUnparsable,  // the gold's answer was found but does not parse (the item cannot be graded)
  NoAnswer,        // nothing in the response looks like an answer
  Unparsable,      // the response's answer was found but does not parse
  TooLarge,        // a bound was hit: text too long, nesting too deep, a value too large to compare
  Timeout,         // the deadline passed
};
const char* verdict_name(Verdict v);  // "equivalent", "not_equivalent", "no_gold", ...

struct VerifyOptions {
  int precision = 6;                     // decimal places when a side is a decimal number (Math-Verify's float_rounding, lighteval's precision)
  bool strict = true;                    // false: variable names don't matter (f(x) == f(y))
  bool allow_set_relation_comp = false;  // gold set "[-2, 7]" may equal predicted "-2 <= x <= 7"
  bool percent_lenient = true;           // "25" == "25\%"
  bool bare_gold = true;                 // a gold without $, \boxed, #### or newlines is parsed whole first
  int timeout_ms = 3000;                 // whole call (parse + compare); 0 = no deadline
  ExtractOptions gold_extract{};         // how the gold text is searched
  ExtractOptions pred_extract{};         // how the response is searched
};

struct VerifyResult {
  bool correct = false;  // verdict == Equivalent
  Verdict verdict = Verdict::NoGold;
  std::string gold;   // the gold answer that was compared (extracted text, LaTeX)
  std::string pred;   // the predicted answer that was compared; "" when none was found
  ExtractionRule gold_rule = ExtractionRule::Whole;
  ExtractionRule pred_rule = ExtractionRule::Whole;
  // The gold yielded a parsed answer. False means the item can't be graded (open-r1 returns a
  // reward of None for it and skips the sample).
  bool gold_found = false;
  std::string gold_parsed;  // parsed form ("1/2", "{1, 2}", "[0, 1)"); "" when it did not parse
  std::string pred_parsed;
  // Why, in words: "equivalent", "not equivalent", "no answer found in response", "gold has no
  // answer", "prediction could not be parsed: ...", "too large: ...", "timeout".
  std::string reason;
};

VerifyResult verify(std::string_view gold_text, std::string_view response_text, const VerifyOptions& opt = {});

// verify(...).correct for two answers (no </think> cut on `pred`).
bool answers_equivalent(std::string_view gold, std::string_view pred, const VerifyOptions& opt = {});

// The first extracted answer of a response, "" when none (for logging / eval tables).
std::string extract_answer(std::string_view response, const ExtractOptions& opt = {});

}  // namespace r1::rewards::math
