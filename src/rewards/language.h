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
//   - letters of other scripts (Arabic, Devanagari, …) separate words and are not counted.
// reward = target-language words / all words, 1 when there are no words.
#pragma once
#include <cstdint>
#include <string_view>

namespace r1::rewards {

struct WordCounts {
  int64_t latin = 0, han = 0, kana = 0, hangul = 0, cyrillic = 0, greek = 0;
  int64_t total() const { return latin + han + kana + hangul + cyrillic + greek; }
};

WordCounts count_words(std::string_view text);

// language: "en" (Latin words) or "zh" (Han characters); anything else is an r1::Error.
double language_consistency(std::string_view text, std::string_view language);

// The reward on a response: over its <think> block when it opens with one, else over the whole text.
double cot_language_reward(std::string_view response, std::string_view language);

}  // namespace r1::rewards
