// Language-consistency reward (DeepSeek-R1, Nature version, eq. 7): the proportion of words of the
// chain of thought that are in the target language. R1 adds it to the reasoning-RL reward to stop
// the CoT from mixing languages. Torch-free.
//
// What counts as a word (scripts told apart by Unicode block):
//   - each CJK ideograph (Han) is one word, as is each Hiragana/Katakana character: these scripts
//     do not separate words by spaces, and a character is their natural counting unit;
//   - a maximal run of letters of one alphabetic script (Latin, Cyrillic, Greek, Hangul) is one
//     word; an apostrophe or hyphen between two letters of the run joins it ("don't", "well-known");
//   - digits, punctuation, symbols and whitespace separate words and are not words;
//   - math and code are not language: fenced (```) and inline (`) code, LaTeX math ($…$, $$…$$,
//     \(…\), \[…\]) and LaTeX commands (\frac) are skipped; a Latin run touching a digit or '_'
//     (x2, 3x, max_len) is an identifier; a lone Latin letter other than "a", "A", "I" is a variable;
//   - delimiters follow their markup's own rules, so a stray one hides nothing: a code fence never
//     closed runs to the end (CommonMark); an inline backtick, "$$", "\(" or "\[" never closed is a
//     literal character (CommonMark, TeX); "$" opens math only before a non-space and closes it only
//     after a non-space and not before a digit (pandoc's tex_math_dollars), so "costs $5 and $6"
//     and a lone "$" are text;
//   - letters of other scripts (Arabic, Devanagari, …) separate words and are not counted.
// reward = target-language words / all words; 0 when there are no words (an empty or digits-only
// chain of thought has nothing in the target language and must not earn the full reward).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace r1::rewards {

struct WordCounts {
  int64_t latin = 0, han = 0, kana = 0, hangul = 0, cyrillic = 0, greek = 0;
  int64_t total() const { return latin + han + kana + hangul + cyrillic + greek; }
  // Words of `language` ("en": Latin words, "zh": Han characters); anything else is an r1::Error.
  int64_t in_language(std::string_view language) const;
};

WordCounts count_words(std::string_view text);

// The share of the text's words in `language` (0 without words).
double language_consistency(std::string_view text, std::string_view language);

// A response's chain of thought: its think block when it opens with one (to the end when the block
// never closes), else the whole response.
std::string chain_of_thought(std::string_view response);

// The reward on a response: language_consistency of its chain of thought.
double cot_language_reward(std::string_view response, std::string_view language);

}  // namespace r1::rewards
