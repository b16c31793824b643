// Stop strings on a stream: the text is cut before the first stop string to complete, whatever the
// chunking, and nothing that might become a stop string is released early.
#include <gtest/gtest.h>

#include <random>

#include "serve/stop_strings.h"

namespace {

// The reference: scan prefixes of the text in order; the first prefix holding a stop string ends
// the text before that stop string (the earliest-starting one among those ending there).
std::string reference(const std::string& text, const std::vector<std::string>& stops, bool* stopped) {
  for (size_t end = 1; end <= text.size(); ++end) {
    size_t best = std::string::npos;
    for (const auto& s : stops)
      if (s.size() <= end && text.compare(end - s.size(), s.size(), s) == 0) best = std::min(best, end - s.size());
    if (best != std::string::npos) {
      *stopped = true;
      return text.substr(0, best);
    }
  }
  *stopped = false;
  return text;
}

std::string streamed(const std::string& text, const std::vector<std::string>& stops, const std::vector<size_t>& cuts,
                     bool* stopped) {
  r1::serve::StopMatcher m(stops);
  std::string out;
  size_t at = 0;
  for (size_t c : cuts) {
    out += m.feed(text.substr(at, c - at));
    at = c;
  }
  out += m.feed(text.substr(at));
  out += m.finish();
  *stopped = m.stopped();
  return out;
}

}  // namespace

TEST(StopStrings, CutsBeforeTheMatch) {
  r1::serve::StopMatcher m({"\n\n", "END"});
  EXPECT_EQ(m.feed("one\n"), "one");  // "\n" may start "\n\n": held
  EXPECT_EQ(m.feed("two E"), "\ntwo ");
  EXPECT_EQ(m.feed("ND three"), "");
  EXPECT_TRUE(m.stopped());
  EXPECT_EQ(m.feed("more"), "");
  EXPECT_EQ(m.finish(), "");
}

TEST(StopStrings, AnyChunkingEqualsTheReference) {
  std::mt19937 rng(5);
  const std::vector<std::vector<std::string>> stop_sets = {{"ab"}, {"abcd", "c"}, {"aa", "aab"}, {"b", "ab"}, {"x"}, {}};
  for (int iter = 0; iter < 4000; ++iter) {
    std::string t;
    const int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) t += "abcdx"[rng() % 5];
    const auto& stops = stop_sets[rng() % stop_sets.size()];
    std::vector<size_t> cuts;
    for (size_t i = 1; i < t.size(); ++i)
      if (rng() % 2) cuts.push_back(i);
    bool want_stopped = false, got_stopped = false;
    const std::string want = reference(t, stops, &want_stopped);
    EXPECT_EQ(streamed(t, stops, cuts, &got_stopped), want) << t;
    EXPECT_EQ(got_stopped, want_stopped) << t;
  }
}
