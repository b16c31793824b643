// The words and punctuation answer extraction keys on, per language: lighteval's translation
// literals (tasks/templates/utils/translation_literals.py), which its ExtractiveMatch metric builds
// its patterns from. "réponse est C non A" is anchored on "réponse"; in Chinese, whose sentences
// have no spaces, a number needs no space around it ("共有13只鸟。").
#pragma once
#include <string>
#include <vector>

namespace r1::rewards::math {

struct AnswerLanguage {
  std::string name;            // "english", "chinese", ...
  std::string iso639_3;        // "eng", "zho", ... (lighteval's Language values)
  std::string iso639_1;        // "en", "zh", ...; "" when the language has none
  std::string answer;          // the answer word ("answer", "réponse", "答案"), matched case-blind
  std::string and_word;        // joins several answers ("and", "et", "和"); "" when not in the table
  std::string or_word;         // ("or", "ou", "或")
  std::string full_stop;       // sentence end besides "." ("。", "।")
  std::string comma;           // besides "," ("，", "،")
  std::string colon;           // besides ":" ("：")
  std::string sentence_space;  // between words of a sentence: " ", or "" (Chinese, Japanese, Thai)
  std::vector<std::string> letters;  // multiple-choice labels in order ("A".."Z", "А".."Е", "أ"..)
};

// Every language of the table (answer_languages.cpp, generated from lighteval).
const std::vector<AnswerLanguage>& answer_languages();

// The language named by an ISO 639-1 or 639-3 code or its English name ("fr", "fra", "french";
// case-blind). An r1::Error listing a few known codes for anything else.
const AnswerLanguage& answer_language(const std::string& code);

}  // namespace r1::rewards::math
