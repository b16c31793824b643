#include "tasks/greeting.h"

#include <algorithm>

#include "core/error.h"
#include "rewards/tagged_response.h"
#include "tasks/text_util.h"

namespace r1::tasks {
namespace {

// One social act: how the prompt asks for it and the polite phrases that perform it.
struct Act {
  const char* id;
  const char* ask_before;  // the question is ask_before + name + ask_after
  const char* ask_after;
  std::vector<std::string> phrases;  // [0] is the canonical one
};

const std::vector<Act>& acts() {
  static const std::vector<Act> kActs{
      {"greet", "Greet ", ".", {"Hello", "Hi"}},
      {"thank", "Thank ", ".", {"Thank you", "Thanks"}},
      {"welcome", "Welcome ", ".", {"Welcome", "Welcome back"}},
      {"congratulate", "Congratulate ", ".", {"Congratulations", "Well done"}},
      {"goodbye", "Say goodbye to ", ".", {"Goodbye", "Bye"}},
  };
  return kActs;
}

// Rule 3's words and phrases (lower case, as words_of splits them).
const std::vector<std::vector<std::string>>& rude_phrases() {
  static const std::vector<std::vector<std::string>> kRude{
      {"ugh"}, {"whatever"}, {"fool"}, {"stupid"}, {"idiot"}, {"go", "away"}, {"shut", "up"}};
  return kRude;
}

// Small talk for verbose replies: no name, no act phrase, no rude word, so only length breaks the rule.
const std::vector<std::string>& small_talk() {
  static const std::vector<std::string> kTalk{"I hope you are fine.", "It is a lovely day today.",
                                              "Let me tell you about my week.", "I have a lot more to say."};
  return kTalk;
}

const std::vector<std::string>& off_topic() {
  static const std::vector<std::string> kOff{"The sum is 7.", "I like green apples.", "Paris is in France.",
                                             "It might rain later."};
  return kOff;
}

// Maximal runs of ASCII letters, lower-cased; everything else separates words.
std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> out;
  std::string w;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      w += static_cast<char>(c | 0x20);
    } else if (!w.empty()) {
      out.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

bool contains_phrase(const std::vector<std::string>& words, const std::vector<std::string>& phrase) {
  if (phrase.empty() || phrase.size() > words.size()) return false;
  for (size_t i = 0; i + phrase.size() <= words.size(); ++i)
    if (std::equal(phrase.begin(), phrase.end(), words.begin() + i)) return true;
  return false;
}

bool contains_any(const std::vector<std::string>& words, const std::vector<std::string>& phrases) {
  for (const auto& ph : phrases)
    if (contains_phrase(words, words_of(ph))) return true;
  return false;
}

const Act* find_act(const Problem& p) {
  if (!p.data.is_object() || !p.data.contains("act") || !p.data["act"].is_string()) return nullptr;
  const std::string id = p.data["act"].get<std::string>();
  for (const auto& a : acts())
    if (id == a.id) return &a;
  return nullptr;
}

std::string person_of(const Problem& p) {
  if (!p.data.is_object() || !p.data.contains("name") || !p.data["name"].is_string()) return "";
  return p.data["name"].get<std::string>();
}

template <typename T>
const T& pick(const std::vector<T>& xs, Rng& rng) {
  return xs[std::uniform_int_distribution<size_t>(0, xs.size() - 1)(rng)];
}

std::string tagged(const std::string& reply) { return "<answer>" + reply + "</answer>"; }

}  // namespace

const char* reject_kind_name(RejectKind kind) {
  switch (kind) {
    case RejectKind::kWrongName: return "wrong_name";
    case RejectKind::kNoName: return "no_name";
    case RejectKind::kWrongAct: return "wrong_act";
    case RejectKind::kRude: return "rude";
    case RejectKind::kVerbose: return "verbose";
    case RejectKind::kOffTopic: return "off_topic";
  }
  return "?";
}

const std::vector<std::string>& greeting_names() {
  static const std::vector<std::string> kNames{"Ann", "Bo",  "Cy",  "Dan", "Eve", "Fay", "Gus", "Hal",
                                               "Ida", "Jo",  "Kim", "Lea", "Max", "Ned", "Oli", "Pam"};
  return kNames;
}

Greeting::Greeting(GreetingOptions o) : o_(o) {
  check(o_.names >= 2 && o_.names <= static_cast<int>(greeting_names().size()), "task greeting option names",
        "must be in 2.." + std::to_string(greeting_names().size()) + " (a wrong-name reply needs a second name)");
  check(o_.max_words >= 3, "task greeting option max_words", "must be >= 3 (\"Thank you, Ann!\" has 3 words)");
}

Problem Greeting::sample(Rng& rng) const {
  const Act& act = pick(acts(), rng);
  const std::string& person = greeting_names()[std::uniform_int_distribution<int>(0, o_.names - 1)(rng)];
  Problem p{name(), act.ask_before + person + act.ask_after, act.phrases[0] + ", " + person + "!"};
  p.data["act"] = act.id;
  p.data["name"] = person;
  return p;
}

std::string Greeting::write_solution(const Problem& p, bool, Rng& rng) const {
  const Act* act = find_act(p);
  check(act != nullptr, "task greeting problem \"" + p.question + "\"", "has no known act in its data");
  const std::string& phrase = pick(act->phrases, rng);
  const char* end = std::uniform_int_distribution<int>(0, 1)(rng) ? "!" : ".";
  return tagged(phrase + ", " + person_of(p) + end);
}

bool Greeting::check_answer(const Problem& p, std::string_view answer) const {
  const Act* act = find_act(p);
  const std::string person = person_of(p);
  if (act == nullptr || person.empty()) return false;
  const auto words = words_of(answer);
  if (words.empty() || static_cast<int>(words.size()) > o_.max_words) return false;  // rule 4
  if (!contains_any(words, act->phrases)) return false;                                // rule 1
  for (const auto& other : acts())
    if (&other != act && contains_any(words, other.phrases)) return false;
  const auto person_word = words_of(person);                                            // rule 2
  if (!contains_phrase(words, person_word)) return false;
  for (const auto& n : greeting_names())
    if (n != person && contains_phrase(words, words_of(n))) return false;
  for (const auto& rude : rude_phrases())                                               // rule 3
    if (contains_phrase(words, rude)) return false;
  return true;
}

Score Greeting::score(const Problem& p, std::string_view response) const {
  auto parsed = rewards::parse_tagged_response(response);
  Score s;
  s.thinks = parsed.thinks;
  // Exactly one answer block and nothing around it (see the header).
  constexpr std::string_view kOpen = "<answer>", kClose = "</answer>";
  std::string_view t = trim(response);
  if (t.size() >= kOpen.size() + kClose.size() && t.substr(0, kOpen.size()) == kOpen &&
      t.substr(t.size() - kClose.size()) == kClose) {
    std::string_view inner = t.substr(kOpen.size(), t.size() - kOpen.size() - kClose.size());
    s.well_formed = !rewards::contains_format_tag(inner);
  }
  if (parsed.answer) {
    s.answer = *parsed.answer;
    s.correct = check_answer(p, s.answer);
  }
  s.reward = s.correct ? 1.0 : 0.0;
  return s;
}

std::string Greeting::write_rejected(const Problem& p, Rng& rng) const {
  auto kind = static_cast<RejectKind>(std::uniform_int_distribution<int>(0, kNumRejectKinds - 1)(rng));
  return write_rejected(p, kind, rng);
}

std::string Greeting::write_rejected(const Problem& p, RejectKind kind, Rng& rng) const {
  const Act* act = find_act(p);
  check(act != nullptr, "task greeting problem \"" + p.question + "\"", "has no known act in its data");
  const std::string person = person_of(p);
  const std::string& phrase = pick(act->phrases, rng);
  switch (kind) {
    case RejectKind::kWrongName: {
      std::vector<std::string> others;
      for (int i = 0; i < o_.names; ++i)
        if (greeting_names()[i] != person) others.push_back(greeting_names()[i]);
      return tagged(phrase + ", " + pick(others, rng) + "!");
    }
    case RejectKind::kNoName: {
      static const std::vector<std::string> kEnds{"!", ", friend!", ", everyone!"};
      return tagged(phrase + pick(kEnds, rng));
    }
    case RejectKind::kWrongAct: {
      std::vector<const Act*> others;
      for (const auto& a : acts())
        if (&a != act) others.push_back(&a);
      return tagged(pick(pick(others, rng)->phrases, rng) + ", " + person + "!");
    }
    case RejectKind::kRude: {
      switch (std::uniform_int_distribution<int>(0, 4)(rng)) {
        case 0: return tagged("Ugh, " + person + ".");
        case 1: return tagged("Whatever, " + person + ".");
        case 2: return tagged("Go away, " + person + "!");
        case 3: return tagged("Shut up, " + person + ".");
        default: return tagged(phrase + ", " + person + ", you fool!");  // polite but for one word
      }
    }
    case RejectKind::kVerbose: {
      std::string reply = phrase + ", " + person + "!";
      while (static_cast<int>(words_of(reply).size()) <= o_.max_words) reply += " " + pick(small_talk(), rng);
      return tagged(reply);
    }
    case RejectKind::kOffTopic:
      return tagged(pick(off_topic(), rng));
  }
  throw Error("task greeting", "unknown reject kind");
}

}  // namespace r1::tasks
