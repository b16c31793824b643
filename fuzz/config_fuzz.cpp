// libFuzzer target for the config/CLI layer (core/cli.h over core/schema.h) with real schemas. The
// first input byte picks a config; the rest is split at the first NUL byte into a command line (one
// argument per line) and a JSON config file's text.
//   mode 0: `r1 demo`'s R1ZeroConfig (nested groups, lists, an enum, cross-key rules, ModelConfig)
//   mode 1: ModelConfig alone            mode 2: BpeTrainerConfig (an enum, required-one-of rules)
//   mode 3: GrpoConfig                   mode 4: TaskOptions
// Only r1::Error (a UsageError naming the key) is an acceptable failure. A config that is accepted
// must survive its own JSON form: to_json -> read_json over the defaults -> the same JSON, valid
// again, and its result part a subset of it; otherwise the target aborts. Help text is rendered too.
// Build and run: scripts/fuzz_config.sh; the committed corpus (fuzz/corpus/config) also runs in the
// test suite (tests/pipeline/config_fuzz_corpus_test.cpp).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/cli.h"
#include "core/error.h"
#include "core/schema.h"
#include "pipeline/job_config.h"
#include "text/bpe_trainer_schema.h"

namespace {

template <class T>
void exercise(const T& defaults, const std::vector<std::string>& args, const std::string& json_text) {
  const r1::cli::CommandSpec spec{"fuzz", "[options]", "The fuzz target's command.", {"tasks"}};
  std::vector<const char*> argv{"fuzz"};
  for (const auto& a : args) argv.push_back(a.c_str());
  T cfg = defaults;
  const auto keys = r1::schema::key_infos(cfg);
  try {
    const auto parsed = r1::cli::split_arguments(spec, keys, static_cast<int>(argv.size()), argv.data());
    if (parsed.help) {
      (void)r1::cli::help_text(spec, keys);
      return;
    }
    const r1::schema::json config = r1::schema::json::parse(json_text, nullptr, false);
    r1::schema::Sources sources;
    r1::cli::apply_arguments(cfg, parsed, json_text.empty() || config.is_discarded() ? nullptr : &config, "fuzz.json",
                             &sources);
  } catch (const r1::Error&) {
    return;
  }
  const r1::schema::json j = r1::schema::to_json(cfg);
  T back = defaults;
  try {
    r1::schema::read_json(back, j, "round trip");
    r1::schema::validate(back);
  } catch (const r1::Error&) {
    std::abort();  // an accepted config whose own JSON form is refused
  }
  if (r1::schema::to_json(back) != j) std::abort();
  if (r1::schema::first_difference(r1::schema::result_part(cfg), j)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int mode = data[0] % 5;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t nul = rest.find('\0');
  const std::string line_part = nul == std::string::npos ? rest : rest.substr(0, nul);
  const std::string json_text = nul == std::string::npos ? std::string() : rest.substr(nul + 1);
  std::vector<std::string> args;
  for (size_t start = 0; start < line_part.size();) {
    const size_t nl = std::min(line_part.find('\n', start), line_part.size());
    args.push_back(line_part.substr(start, nl - start));
    start = nl + 1;
  }
  switch (mode) {
    case 0: exercise(r1::pipeline::r1zero_defaults(), args, json_text); break;
    case 1: exercise(r1::pipeline::tiny_model_defaults(), args, json_text); break;
    case 2: exercise(r1::text::BpeTrainerConfig{}, args, json_text); break;
    case 3: exercise(r1::rl::GrpoConfig{}, args, json_text); break;
    default: exercise(r1::tasks::TaskOptions{}, args, json_text); break;
  }
  return 0;
}
