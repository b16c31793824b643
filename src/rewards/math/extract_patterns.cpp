// Written from lighteval's metrics/utils/extractive_match_utils.py (make_latex_env_pattern,
// lazy_latex_regex, lazy_expr_regex, lazy_indices_regex) and Math-Verify's parser.py. Where the two
// differ for English, Math-Verify's spelling is kept: numbers with thousands separators start with
// 1-9 and follow no digit ("0,5" is a decimal comma), and "1, 2, and 3" joins with an Oxford comma.
// Python's re and PCRE2 agree on every construct used here (lazy quantifiers, fixed-length
// lookbehind, \s and \d as Unicode classes, "." stopping at "\n" only, "$" before a final "\n").
#include "rewards/math/extract_patterns.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"

namespace r1::rewards::math {

namespace {

using text::regex_escape;

const char* const kEnvNames[] = {"latexDisplayDollar", "latexDisplayBracket",   "latexInlineDollar",
                                 "latexInlineParenthesis", "latexInlineBracket", "latexFraction",
                                 "latexBoxed"};

std::string slot_prefix(int slot) { return slot == 0 ? "first_" : "next" + std::to_string(slot) + "_"; }

// make_latex_env_pattern: one math environment, optionally followed by a percent sign. `boxed`:
// only environments holding a \boxed{...} (the boxed rule's context), and no bare \frac.
std::string env_pattern(const std::string& prefix, bool boxed) {
  std::string percent = "(?P<" + prefix + "percent>(?:\\\\?%|[Pp]ercent|[Pp]ercentage|[Pp]ct))";
  std::string display_dollar = R"((?:[^$]|\$(?!\$)))";
  std::string display_bracket = R"((?:[^\\]|\\(?!\])))";
  std::string inline_dollar = R"((?:\\[$]|[^\n$]))";
  std::string inline_paren = R"((?:[^\\\n]|\\(?!\))))";
  std::string inline_bracket = R"([^\n\]\[])";
  auto content = [&](const std::string& c) {
    return boxed ? c + "*?\\\\boxed{" + c + "+?}" + c + "*?" : c + "+?";
  };
  std::vector<std::string> alts = {
      R"((?<!\\)\$\$(?P<)" + prefix + "latexDisplayDollar>" + content(display_dollar) + R"()(?<!\\)\$\$)",
      R"((?<!\\)\\\[(?P<)" + prefix + "latexDisplayBracket>" + content(display_bracket) + R"()(?<!\\)\\\])",
      R"((?<!\\|\d)\$(?P<)" + prefix + "latexInlineDollar>" + content(inline_dollar) + R"()(?<!\\)\$)",
      R"((?<!\\)\\\((?P<)" + prefix + "latexInlineParenthesis>" + content(inline_paren) + R"()(?<!\\)\\\))",
      R"(\s\[(?P<)" + prefix + "latexInlineBracket>" + content(inline_bracket) + R"()\]\s)",
  };
  if (!boxed) {
    const std::string simple_number = R"(-?\d+(?:[.,]\d+)?)";
    alts.push_back("(?P<" + prefix + "latexFraction>-?\\\\frac{" + simple_number + "}{" + simple_number + "})");
  }
  std::string joined;
  for (const auto& a : alts) joined += (joined.empty() ? "" : "|") + a;
  return "(?:(?:" + joined + ")\\s*" + percent + "?)";
}

// "and" / "or" / "," between joined environments; English also takes ",and" (Oxford comma).
std::string connectives(const AnswerLanguage& lang) {
  std::vector<std::string> words;
  const bool english = lang.iso639_3 == "eng";
  for (const std::string* w : {&lang.and_word, &lang.or_word})
    if (!w->empty()) words.push_back((english ? ",?" : "") + regex_escape(*w));
  words.push_back(",");
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : "|") + w;
  return out;
}


std::string answer_word(const AnswerLanguage& lang) { return "(?i:" + regex_escape(lang.answer) + ")"; }

void add(std::vector<ExtractPattern>& out, const std::string& pattern, int priority, Target target,
         ExtractionRule rule) {
  out.emplace_back(pattern, priority, target, rule);
}

void latex_patterns(std::vector<ExtractPattern>& out, const ExtractOptions& opt, const AnswerLanguage& lang) {
  const std::string dotall = "(*LF)(?s)";
  const std::string conn = connectives(lang);
  std::string envs = env_pattern("first_", false);
  for (int i = 1; i <= 5; ++i) envs += "(?:\\s*(?:" + conn + ")\\s*" + env_pattern(slot_prefix(i), false) + ")?";
  envs = "(?:" + envs + ")";
  const std::string colon = punctuation_class(lang.colon, ':');
  const std::string answer = answer_word(lang);
  if (lang.iso639_3 == "eng") {
    add(out, dotall + "(?i:final answer is)\\:?\\s*" + envs + "\\.?\\s?I hope", 0, Target::Latex,
        ExtractionRule::FinalAnswerIs);
    add(out, dotall + "(?i:final answer.{0,100}?)\\s+is\\:?\\s*" + envs, 50, Target::Latex,
        ExtractionRule::FinalAnswerIs);
  }
  add(out, dotall + answer + "\\s?" + colon + ".{0,50}?" + envs, 100, Target::Latex, ExtractionRule::AnswerIs);
  add(out, dotall + answer + ".{0,50}?" + envs, 200, Target::Latex, ExtractionRule::AnswerIs);
  if (opt.anchorless) add(out, dotall + envs, 300, Target::Latex, ExtractionRule::LatexMath);
  if (opt.boxed_priority >= 0) {
    std::string boxed = env_pattern("first_", true);
    for (int i = 1; i <= 5; ++i)
      boxed += "\\s*(?:\\s*(?:" + conn + ")\\s*" + env_pattern(slot_prefix(i), true) + ")?";
    add(out, dotall + boxed, opt.boxed_priority, Target::Latex, ExtractionRule::Boxed);
    // The box's end is unknowable to a regex: match to the last "}", the normalization reads the
    // boxes (boxed.h).
    add(out, dotall + "(?P<first_latexBoxed>\\\\boxed{.+})", opt.boxed_priority, Target::Latex, ExtractionRule::Boxed);
  }
}

std::string number_pattern() {
  return "(?:(?<!\\d)(?P<integer1>-?[1-9]\\d{0,2}(?:[ ,]\\d{3})+)(?P<decimal1>\\.\\d+)?|"
         "(?P<integer2>-?\\d+)(?P<decimal2>[.,]\\d+)|"
         "(?P<decimal3>\\.\\d+)|"
         "(?P<integer3>-?\\d+))"
         "(?P<percent>\\s*(?:%|[Pp]ercent|\\s*[Pp]ercentage|\\s*[Pp]ct))?";
}

const char* const kCurrency = "$€£¥₹₽₪₩₫฿₡₢₣₤₥₦₧₨₭₮₯₰₱₲₳₴₵₶₷₸₺₻₼₾₿";

void expr_patterns(std::vector<ExtractPattern>& out, const ExtractOptions& opt, const AnswerLanguage& lang) {
  const std::string ops = "\\+\\-\\*×\\/\\^\\(\\)÷";
  const std::string all = "[\\d\\.\\s" + ops + "]";
  const std::string expr = "(?P<expr>-?\\(?-?\\d" + all + "*[" + ops + "]" + all + "+\\)?)";
  const std::string full_stop = punctuation_class(lang.full_stop, '.');
  const std::string comma = punctuation_class(lang.comma, ',');
  const std::string colon = punctuation_class(lang.colon, ':');
  const std::string space = "(?:\\s|" + regex_escape(lang.sentence_space) + ")";
  const std::string prefix = "(?:^|" + space + "|\\=)(?:\\*\\*)?";
  const std::string suffix = "(?:\\*\\*)?(?:" + full_stop + "|" + comma + "|\\s?" + colon + "|" + space + "|\\)|\\$|$)";
  const std::string expr_anchored = "(?:" + prefix + expr + suffix + ")";
  const std::string number_anchored = "(?:" + prefix + "[" + regex_escape(kCurrency) + "]?" + number_pattern() + ")";
  const std::string either = "(?:" + expr_anchored + "|" + number_anchored + ")";
  const std::string lf = "(*LF)";
  if (lang.iso639_3 == "eng") {
    add(out, lf + "(?i:final answer is)\\:?\\s*" + either + "\\.?\\s?I hope", 0, Target::Expr,
        ExtractionRule::FinalAnswerIs);
    add(out, lf + "(?i:final answer.{0,100}?)\\s+is\\:?" + either, 50, Target::Expr, ExtractionRule::FinalAnswerIs);
  }
  const std::string answer = answer_word(lang);
  add(out, lf + answer + "\\s?" + colon + "(?:.{0,100}=\\s*|.{0,50}?)" + either + "(?!\\s*=)", 100, Target::Expr,
      ExtractionRule::AnswerIs);
  add(out, lf + answer + "(?:.{0,100}=\\s*|.{0,50}?)" + either + "(?!\\s*=)", 200, Target::Expr,
      ExtractionRule::AnswerIs);
  if (opt.anchorless) {
    add(out, lf + expr_anchored, 300, Target::Expr, ExtractionRule::PlainNumber);
    add(out, lf + number_anchored, 300, Target::Expr, ExtractionRule::PlainNumber);
  }
}

void letter_patterns(std::vector<ExtractPattern>& out, const ExtractOptions& opt, const AnswerLanguage& lang) {
  std::string labels;
  for (const auto& l : choice_labels(opt, lang)) {
    std::string e = regex_escape(l);
    labels += (labels.empty() ? "" : "|") + ("(?:" + e + "|\\(" + e + "\\))");
  }
  const std::string label = "(?P<indices>" + labels + ")";
  const std::string full_stop = punctuation_class(lang.full_stop, '.');
  const std::string comma = punctuation_class(lang.comma, ',');
  const std::string colon = punctuation_class(lang.colon, ':');
  const std::string space = regex_escape(lang.sentence_space);
  const std::string prefix = "(?:^|" + space + ")(?:\\*\\*)?";
  const std::string suffix = "(?:\\*\\*)?(?:" + full_stop + "|" + comma + "|\\s?" + colon + "|" + space + "|$)";
  const std::string anchored = prefix + label + suffix;
  const std::string answer = answer_word(lang);
  const std::string lf = "(*LF)";
  const auto rule = ExtractionRule::Choice;
  if (lang.iso639_3 == "eng") {
    add(out, lf + "(?i:final answer is)\\:?\\s*" + label + "\\.?\\s?I hope", 0, Target::Letters, rule);
    add(out, lf + "(?i:final answer.{0,100}?)\\s+is\\:?\\s*" + label, 50, Target::Letters, rule);
  }
  add(out, lf + answer + "\\s?" + colon + ".{0,50}?" + anchored, 100, Target::Letters, rule);
  add(out, lf + answer + ".{0,50}?" + anchored, 150, Target::Letters, rule);
  add(out, lf + "^(?:\\*\\*)?" + label + suffix, 200, Target::Letters, rule);
  add(out, lf + "\\n(?:\\*\\*)?" + label + suffix, 210, Target::Letters, rule);
  if (opt.letters_anchorless) {
    add(out, lf + anchored, 250, Target::Letters, rule);
    add(out, lf + label, 300, Target::Letters, rule);
  }
}

}  // namespace

// A character class of the ASCII mark and the language's own, every ASCII mark escaped (PCRE2
// would read "[:" as the start of a POSIX class).
std::string punctuation_class(const std::string& native, char ascii) {
  std::string out = "[\\";
  out += ascii;
  for (char c : native) {
    if (static_cast<unsigned char>(c) < 0x80 && !std::isalnum(static_cast<unsigned char>(c))) out += '\\';
    out += c;
  }
  return out + "]";
}

ExtractPattern::ExtractPattern(const std::string& pattern, int priority, Target target, ExtractionRule rule)
    : re(pattern, "answer extraction pattern"), priority(priority), target(target), rule(rule) {
  if (target == Target::Latex) {
    for (int s = 0; s <= 5; ++s) {
      EnvSlot slot;
      for (const char* env : kEnvNames) {
        int g = re.group_number(slot_prefix(s) + env);
        if (g > 0) slot.contents.emplace_back(g, std::string(env) == "latexBoxed");
      }
      slot.percent = re.group_number(slot_prefix(s) + "percent");
      if (!slot.contents.empty()) slots.push_back(std::move(slot));
    }
  } else if (target == Target::Expr) {
    expr = re.group_number("expr");
    percent = re.group_number("percent");
    for (int k = 0; k < 3; ++k) {
      integer[k] = re.group_number("integer" + std::to_string(k + 1));
      decimal[k] = re.group_number("decimal" + std::to_string(k + 1));
    }
  } else {
    letter = re.group_number("indices");
  }
}

std::vector<std::string> choice_labels(const ExtractOptions& opt, const AnswerLanguage& lang) {
  if (!opt.choice_labels.empty()) return opt.choice_labels;
  size_t n = std::min(lang.letters.size(), static_cast<size_t>(std::max(opt.num_choices, 1)));
  return std::vector<std::string>(lang.letters.begin(), lang.letters.begin() + n);
}

std::vector<ExtractPattern> build_extract_patterns(const ExtractOptions& opt, const AnswerLanguage& lang) {
  std::vector<ExtractPattern> out;
  if (opt.letters) letter_patterns(out, opt, lang);
  if (opt.latex) latex_patterns(out, opt, lang);
  if (opt.expr) expr_patterns(out, opt, lang);
  return out;
}

}  // namespace r1::rewards::math
