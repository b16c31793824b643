#include "rewards/math/answer_language.h"

#include <cctype>

#include "core/error.h"

namespace r1::rewards::math {

namespace {

std::string lower(const std::string& s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

const AnswerLanguage& answer_language(const std::string& code) {
  const std::string key = lower(code);
  for (const auto& lang : answer_languages())
    if (key == lang.iso639_1 || key == lang.iso639_3 || key == lang.name) return lang;
  throw Error("language \"" + code + "\"",
              "unknown answer language (use an ISO 639-1/639-3 code or an English name with an answer word in "
              "lighteval's table: en, zh, fr, de, es, ru, ja, ar, hi, ...)");
}

}  // namespace r1::rewards::math
