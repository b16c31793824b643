// libFuzzer target for the math verifier (rewards/math). The first input byte picks the settings;
// the rest is split at its first NUL byte into a gold and a response (no NUL: the whole rest is the
// response, graded against a fixed gold). Every input, whatever its bytes, must:
//   - return from verify() within its deadline (a verdict, never a crash, hang or exception),
//   - give a consistent result: correct == (verdict == Equivalent), correct => gold_found,
//   - grade as an `r1 verify` JSONL record whose output dumps as JSON (the invalid-UTF-8 crash).
// Only r1::Error for settings is an acceptable exception; anything else aborts the target.
// Build and run: scripts/fuzz_verifier.sh. tests/rewards/math_fuzz_corpus_test.cpp replays
// fuzz/corpus/verifier/ through the same function.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "rewards/math/match_settings.h"
#include "rewards/math/verify.h"
#include "rewards/math/verify_jsonl.h"

namespace {

namespace m = r1::rewards::math;

m::VerifyOptions settings_of(uint8_t mode) {
  static const char* const kLanguages[] = {"en", "zh", "fr", "ru"};
  m::MatchSettings s;
  s.latex = (mode & 1) == 0;
  s.expr = (mode & 2) == 0;
  s.letters = (mode & 4) != 0 || (!s.latex && !s.expr);
  s.language = kLanguages[(mode >> 3) & 3];
  s.precision = (mode >> 5) * 2;  // 0..14
  m::VerifyOptions o = m::verify_options(s);
  o.timeout_ms = 2000;
  return o;
}

void expect(bool cond) {
  if (!cond) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const m::VerifyOptions opt = settings_of(data[0]);
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t nul = rest.find('\0');
  const std::string gold = nul == std::string::npos ? std::string("\\frac{1}{2}") : rest.substr(0, nul);
  const std::string pred = nul == std::string::npos ? rest : rest.substr(nul + 1);

  const auto t0 = std::chrono::steady_clock::now();
  const m::VerifyResult r = m::verify(gold, pred, opt);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  expect(seconds < 2.0 * opt.timeout_ms / 1000.0 + 1.0);  // the deadline holds, with slack for one step
  expect(r.correct == (r.verdict == m::Verdict::Equivalent));
  expect(!r.correct || r.gold_found);

  // The same pair as an `r1 verify` line: always a record that dumps.
  nlohmann::json line = {{"gold", gold}, {"pred", pred}};
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (const std::string& input : {text, rest}) {
    m::GradedLine g = m::grade_jsonl_line(input, 1, "fuzz.jsonl:1", opt, {});
    (void)g.record.dump();  // throws on invalid UTF-8: a crash here is the bug
  }
  return 0;
}
