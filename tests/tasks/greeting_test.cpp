// The greeting family: good replies pass the hidden rule, every kind of bad reply fails it, the
// generator is seeded, malformed replies are simply wrong, and options are checked by name.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "tasks/greeting.h"
#include "tasks/task.h"

using namespace r1::tasks;

namespace {

Problem ask(const std::string& act, const std::string& person, const std::string& question) {
  Problem p{"greeting", question, ""};
  p.data["act"] = act;
  p.data["name"] = person;
  return p;
}

}  // namespace

TEST(Greeting, PromptsAndGoodRepliesFollowTheRule) {
  auto task = make_task("greeting");
  Rng rng(1);
  std::set<std::string> questions, replies;
  for (int i = 0; i < 2000; ++i) {
    Problem p = task->sample(rng);
    questions.insert(p.question);
    EXPECT_TRUE(task->check_answer(p, p.answer)) << p.question << " -> " << p.answer;
    for (bool think : {false, true}) {
      std::string r = task->write_solution(p, think, rng);
      replies.insert(r);
      EXPECT_EQ(r.rfind("<answer>", 0), 0u) << r;  // general replies never think
      auto s = task->score(p, r);
      EXPECT_TRUE(s.correct) << p.question << " -> " << r;
      EXPECT_TRUE(s.well_formed) << r;
      EXPECT_FALSE(s.thinks) << r;
      EXPECT_DOUBLE_EQ(s.reward, 1.0);
    }
  }
  EXPECT_EQ(questions.size(), 5u * 16u);  // every act with every name
  EXPECT_GT(replies.size(), 5u * 16u);    // and more than one good reply to each
}

TEST(Greeting, HiddenRuleOnHandWrittenReplies) {
  Greeting task({16, 6});
  Problem greet = ask("greet", "Ann", "Greet Ann.");
  EXPECT_TRUE(task.check_answer(greet, "Hello, Ann!"));
  EXPECT_TRUE(task.check_answer(greet, " hi ann "));           // case and punctuation are free
  EXPECT_TRUE(task.check_answer(greet, "Hi there, Ann, nice!"));  // 4 words, polite, named
  EXPECT_FALSE(task.check_answer(greet, "Hello, Bo!"));          // wrong person
  EXPECT_FALSE(task.check_answer(greet, "Hello, Ann and Bo!"));  // somebody else too
  EXPECT_FALSE(task.check_answer(greet, "Hello!"));              // nobody addressed
  EXPECT_FALSE(task.check_answer(greet, "Goodbye, Ann!"));       // another act
  EXPECT_FALSE(task.check_answer(greet, "Hello and goodbye, Ann!"));
  EXPECT_FALSE(task.check_answer(greet, "Hello, Ann, you fool!"));  // rude
  EXPECT_FALSE(task.check_answer(greet, "Hello, Ann! I hope you are fine today."));  // 9 words > 6
  EXPECT_FALSE(task.check_answer(greet, "Hellooo, Ann!"));       // not the word
  EXPECT_FALSE(task.check_answer(greet, "Annie, hello!"));       // not the name
  Problem thank = ask("thank", "Jo", "Thank Jo.");
  EXPECT_TRUE(task.check_answer(thank, "Thank you, Jo!"));
  EXPECT_TRUE(task.check_answer(thank, "Thanks, Jo."));
  EXPECT_FALSE(task.check_answer(thank, "Thank, Jo."));  // "thank" alone is not a phrase of thanks
  Problem bye = ask("goodbye", "Max", "Say goodbye to Max.");
  EXPECT_TRUE(task.check_answer(bye, "Bye, Max!"));
  EXPECT_FALSE(task.check_answer(bye, "Well done, Max!"));
  // Rule 4's limit is the option.
  Greeting terse({16, 3});
  EXPECT_TRUE(terse.check_answer(thank, "Thank you, Jo!"));
  EXPECT_FALSE(terse.check_answer(thank, "Thank you so much, Jo!"));
}

TEST(Greeting, EveryRejectedKindFailsTheRule) {
  for (int max_words : {3, 6, 12}) {
    Greeting task({16, max_words});
    Rng rng(2);
    for (int i = 0; i < 300; ++i) {
      Problem p = task.sample(rng);
      for (int k = 0; k < kNumRejectKinds; ++k) {
        auto kind = static_cast<RejectKind>(k);
        std::string r = task.write_rejected(p, kind, rng);
        auto s = task.score(p, r);
        EXPECT_FALSE(s.correct) << reject_kind_name(kind) << ": " << p.question << " -> " << r;
        EXPECT_DOUBLE_EQ(s.reward, 0.0);
        EXPECT_TRUE(s.well_formed) << r;  // bad content in the good format: the model must read it
      }
    }
  }
  // The random kind covers all six kinds.
  Greeting task({4, 6});
  Rng rng(3);
  Problem p = task.sample(rng);
  std::set<std::string> seen;
  for (int i = 0; i < 300; ++i) {
    std::string r = task.write_rejected(p, rng);
    EXPECT_FALSE(task.score(p, r).correct) << r;
    seen.insert(r);
  }
  EXPECT_GT(seen.size(), 12u);
}

TEST(Greeting, GenerationIsSeeded) {
  auto a = make_task("greeting"), b = make_task("greeting");
  auto* ga = dynamic_cast<const GeneralTask*>(a.get());
  auto* gb = dynamic_cast<const GeneralTask*>(b.get());
  ASSERT_NE(ga, nullptr);
  Rng ra(42), rb(42);
  for (int i = 0; i < 100; ++i) {
    Problem pa = a->sample(ra), pb = b->sample(rb);
    EXPECT_EQ(pa.question, pb.question);
    EXPECT_EQ(pa.data, pb.data);
    EXPECT_EQ(a->write_solution(pa, false, ra), b->write_solution(pb, false, rb));
    EXPECT_EQ(ga->write_rejected(pa, ra), gb->write_rejected(pb, rb));
  }
  // `names` limits who is asked about.
  auto two = make_task("greeting", {{"names", 2}});
  Rng rng(5);
  for (int i = 0; i < 100; ++i) {
    auto person = two->sample(rng).data["name"].get<std::string>();
    EXPECT_TRUE(person == "Ann" || person == "Bo") << person;
  }
}

TEST(Greeting, MalformedRepliesAreWrongNeverThrow) {
  auto task = make_task("greeting");
  Problem p = ask("welcome", "Eve", "Welcome Eve.");
  for (std::string r : {std::string(""), std::string("<answer></answer>"), std::string("<answer>Welcome, Eve!"),
                        std::string("Welcome, Eve!"), std::string("<answer>\xff\xfe Eve</answer>"),
                        std::string("<answer>欢迎, Eve!</answer>"), std::string(100000, 'a'),
                        std::string("<answer>") + std::string(3, '\0') + "</answer>"}) {
    EXPECT_NO_THROW({
      auto s = task->score(p, r);
      EXPECT_FALSE(s.correct) << r.substr(0, 40);
    });
  }
  // Plain text is not the format, but the answer block is still what counts.
  auto s = task->score(p, "<think>Eve arrives.</think><answer>Welcome, Eve!</answer>");
  EXPECT_TRUE(s.correct);
  EXPECT_TRUE(s.thinks);
  EXPECT_FALSE(s.well_formed);  // general replies do not think
  EXPECT_FALSE(task->score(p, "<answer>Welcome, Eve!</answer> and more").well_formed);
  // A problem that is not a greeting is simply unanswerable.
  Problem other{"greeting", "3+5 mod 10", "8"};
  EXPECT_FALSE(task->check_answer(other, "Hello, Ann!"));
}

TEST(Greeting, OptionErrorsNameTheOption) {
  auto message = [](const nlohmann::json& o) {
    try {
      make_task("greeting", o);
    } catch (const r1::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"names", 1}}).find("names"), std::string::npos);
  EXPECT_NE(message({{"names", 17}}).find("names"), std::string::npos);
  EXPECT_NE(message({{"max_words", 2}}).find("max_words"), std::string::npos);
  EXPECT_NE(message({{"max_word", 6}}).find("max_word"), std::string::npos);
  EXPECT_EQ(message({{"names", 2}, {"max_words", 3}}), "no error");
}
