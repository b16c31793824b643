#include "eval/benchmark_runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "core/error.h"
#include "core/files.h"
#include "core/metrics.h"
#include "core/progress.h"
#include "core/seed.h"
#include "rollout/scored_rollout.h"

namespace r1::eval {

using nlohmann::json;

json to_json(const SampleRecord& r) {
  return {{"prompt_id", r.prompt_id}, {"prompt_index", r.prompt_index}, {"sample", r.sample},
          {"response", r.response},   {"answer", r.answer},             {"correct", r.correct},
          {"thinks", r.thinks},       {"well_formed", r.well_formed},   {"stopped", r.stopped},
          {"tokens", r.tokens}};
}

SampleRecord sample_from_json(const json& j, const std::string& where) {
  SampleRecord r;
  try {
    r.prompt_id = j.at("prompt_id").get<std::string>();
    r.prompt_index = j.at("prompt_index").get<int64_t>();
    r.sample = j.at("sample").get<int64_t>();
    r.response = j.at("response").get<std::string>();
    r.answer = j.at("answer").get<std::string>();
    r.correct = j.at("correct").get<bool>();
    r.thinks = j.at("thinks").get<bool>();
    r.well_formed = j.at("well_formed").get<bool>();
    r.stopped = j.at("stopped").get<bool>();
    r.tokens = j.at("tokens").get<int64_t>();
  } catch (const json::exception& e) {
    throw Error(where, std::string("bad sample record: ") + e.what());
  }
  return r;
}

namespace {

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Records already written; a torn last line (a crash mid-write) is dropped and the file rewritten.
std::vector<SampleRecord> load_records(const std::string& path) {
  std::vector<SampleRecord> out;
  if (!path_exists(path)) return out;
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(line);
  bool torn = false;
  std::string keep;
  for (size_t i = 0; i < lines.size(); ++i) {
    json j;
    try {
      j = json::parse(lines[i]);
    } catch (const json::exception&) {
      check(i + 1 == lines.size(), path + ":" + std::to_string(i + 1), "not valid JSON (only a torn last line is tolerated)");
      torn = true;
      break;
    }
    out.push_back(sample_from_json(j, path + ":" + std::to_string(i + 1)));
    keep += lines[i] + "\n";
  }
  if (torn) write_file_atomic(path, keep);
  return out;
}

// Decoded token slices may cut a UTF-8 character; JSON needs valid UTF-8 (bad bytes -> U+FFFD).
std::string valid_utf8(const std::string& s) {
  return json::parse(json(s).dump(-1, ' ', false, json::error_handler_t::replace)).get<std::string>();
}

std::string running_pass1(int64_t correct, int64_t samples) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "pass@1 %.3f (new samples)", static_cast<double>(correct) / std::max<int64_t>(samples, 1));
  return buf;
}

}  // namespace

tasks::PromptStyle choose_prompt_style(const Benchmark& bench, const text::ChatTemplate* tmpl) {
  return tmpl && !bench.synthetic ? tasks::PromptStyle::kR1Chat : tasks::PromptStyle::kR1Zero;
}

json summarize(const Benchmark& bench, const std::vector<SampleRecord>& records, int64_t k) {
  std::map<int64_t, std::vector<const SampleRecord*>> by_prompt;
  for (const auto& r : records)
    if (r.sample < k) by_prompt[r.prompt_index].push_back(&r);
  auto ks = pass_k_values(k);
  std::vector<double> pass_sum(ks.size(), 0.0);
  double pass1 = 0, cons = 0, mg = 0, tokens = 0, thinks = 0, formed = 0, no_answer = 0, truncated = 0;
  int64_t samples = 0, correct = 0, complete = 0;
  for (auto& [idx, rs] : by_prompt) {
    std::sort(rs.begin(), rs.end(), [](auto* a, auto* b) { return a->sample < b->sample; });
    int64_t n = rs.size(), c = 0;
    std::vector<std::string> answers;
    for (auto* r : rs) {
      c += r->correct;
      answers.push_back(r->answer);
      tokens += r->tokens;
      thinks += r->thinks;
      formed += r->well_formed;
      no_answer += r->answer.empty();
      truncated += !r->stopped;
    }
    samples += n;
    correct += c;
    complete += n == k;
    pass1 += static_cast<double>(c) / n;
    for (size_t i = 0; i < ks.size(); ++i) pass_sum[i] += pass_at_k(n, c, std::min(ks[i], n));
    mg += mg_pass_at_k(n, c, n);
    std::vector<bool> verdicts;
    for (auto* r : rs) verdicts.push_back(r->correct);
    cons += cons_at_k(answers, verdicts, [&bench](const std::string& a, const std::string& b) {
      return bench.task->equivalent_answers(a, b);
    });
  }
  const double problems = std::max<size_t>(by_prompt.size(), 1), ns = std::max<int64_t>(samples, 1);
  json pass_k = json::object();
  for (size_t i = 0; i < ks.size(); ++i) pass_k[std::to_string(ks[i])] = pass_sum[i] / problems;
  return {{"benchmark", bench.name},
          {"problems", by_prompt.size()},
          {"problems_complete", complete},
          {"k", k},
          {"samples", samples},
          {"correct_samples", correct},
          {"pass@1", pass1 / problems},
          {"pass@k", pass_k},
          {"cons@k", cons / problems},
          {"mg_pass@k", mg / problems},
          {"response_tokens_mean", tokens / ns},
          {"think_rate", thinks / ns},
          {"format_rate", formed / ns},
          {"no_answer_rate", no_answer / ns},
          {"truncated_rate", truncated / ns}};
}

void check_run_settings(const std::string& out_dir, const json& settings) {
  std::string path = out_dir + "/run.json";
  if (!path_exists(path)) {
    make_dirs(out_dir);
    write_file_atomic(path, settings.dump(2) + "\n");
    return;
  }
  json old;
  try {
    old = json::parse(read_file(path));
  } catch (const json::exception& e) {
    throw Error(path, std::string("not valid JSON: ") + e.what());
  }
  for (auto it = settings.begin(); it != settings.end(); ++it)
    check(old.contains(it.key()) && old[it.key()] == it.value(), path,
          "this out dir was run with " + it.key() + " = " + (old.contains(it.key()) ? old[it.key()].dump() : "(unset)") +
              ", not " + it.value().dump() + "; use another --out to change settings");
}

json run_benchmark(model::CausalLMImpl& model, const Benchmark& bench, const text::TextCodec& codec,
                   const text::ChatTemplate* tmpl, const EvalRunConfig& cfg, BenchTimings* timings) {
  check(cfg.k >= 1, "eval", "k must be >= 1");
  const double t0 = now_seconds();
  double gen_seconds = 0;
  const tasks::PromptStyle style = choose_prompt_style(bench, tmpl);
  std::string path = cfg.out_dir.empty() ? "" : cfg.out_dir + "/" + bench.name + ".jsonl";
  std::vector<SampleRecord> records = path.empty() ? std::vector<SampleRecord>{} : load_records(path);
  std::set<std::pair<std::string, int64_t>> done;
  for (const auto& r : records) done.insert({r.prompt_id, r.sample});

  std::vector<size_t> todo;  // prompts with a missing sample
  int64_t missing = 0;
  for (size_t i = 0; i < bench.problems.size(); ++i) {
    const std::string id = bench.problems[i].data.at("id");
    int64_t m = 0;
    for (int64_t s = 0; s < cfg.k; ++s) m += !done.count({id, s});
    if (m > 0) todo.push_back(i);
    missing += m;
  }
  std::unique_ptr<MetricsWriter> writer;
  if (!path.empty()) {
    make_dirs(cfg.out_dir);
    writer = std::make_unique<MetricsWriter>(path, /*append=*/true);
  }
  rollout::RolloutConfig rc;
  rc.sampling = cfg.sampling;
  rc.stream = "eval/" + bench.name;
  rc.samples_per_prompt = cfg.k;
  rc.eos_id = codec.eos_id;
  rc.pad_id = codec.pad_id;
  Progress progress(bench.name, missing, "sample");
  int64_t written = 0, correct_new = 0;
  for (size_t i : todo) {
    const auto& p0 = bench.problems[i];
    const std::string id = p0.data.at("id");
    // One prompt for all k samples, or one per sample when the benchmark varies its problem
    // (shuffled options): then each sample is its own prompt of one completion. Samples are seeded
    // by the id (and the view), so a restarted run writes exactly the samples an uninterrupted one
    // would have.
    const bool per_sample = static_cast<bool>(bench.sample_view);
    std::vector<rollout::RolloutPrompt> prompts;
    for (int64_t s = 0; s < (per_sample ? cfg.k : 1); ++s) {
      const tasks::Problem p = per_sample ? bench.sample_view(p0, s) : p0;
      const tasks::Prompt prompt =
          style == tasks::PromptStyle::kR1Chat ? tasks::r1_chat_prompt(*tmpl, p) : tasks::r1_zero_prompt(p);
      prompts.push_back({tasks::encode_prompt(codec, prompt), prompt.response_prefix, p, bench.task.get(),
                         per_sample ? fnv1a64(id + "#view" + std::to_string(s)) : fnv1a64(id)});
    }
    rollout::RolloutConfig call = rc;
    if (per_sample) call.samples_per_prompt = 1;
    const double g0 = now_seconds();
    auto samples = rollout::rollout_and_score(model, prompts, codec.decode, call);
    gen_seconds += now_seconds() - g0;
    for (auto& smp : samples) {
      if (per_sample) smp.sample = smp.prompt;  // view s holds sample s
      if (done.count({id, smp.sample})) continue;
      SampleRecord r;
      r.prompt_id = id;
      r.prompt_index = static_cast<int64_t>(i);
      r.sample = smp.sample;
      r.response = valid_utf8(smp.response);
      r.answer = smp.score.answer;
      r.correct = smp.score.correct;
      r.thinks = smp.score.thinks;
      r.well_formed = smp.score.well_formed;
      r.stopped = smp.stopped;
      r.tokens = smp.response_tokens();
      if (writer) writer->write(to_json(r));
      correct_new += r.correct;
      records.push_back(std::move(r));
      ++written;
    }
    if (cfg.progress) progress.update(written, running_pass1(correct_new, written));
  }
  if (cfg.progress && missing > 0) progress.finish(running_pass1(correct_new, written));
  // Only this benchmark's current problems count (a smaller --limit after a larger run is fine).
  std::set<std::string> ids;
  for (const auto& p : bench.problems) ids.insert(p.data.at("id").get<std::string>());
  std::vector<SampleRecord> mine;
  for (auto& r : records)
    if (ids.count(r.prompt_id)) mine.push_back(std::move(r));
  json summary = summarize(bench, mine, cfg.k);
  summary["prompt_style"] = tasks::prompt_style_name(style);
  summary["new_samples"] = written;
  const double total = now_seconds() - t0;
  summary["seconds"] = {{"generation", gen_seconds},
                        {"outside_generation", total - gen_seconds},
                        {"total", total},
                        {"outside_share", total > 0 ? (total - gen_seconds) / total : 0.0}};
  if (timings) *timings = {gen_seconds, total};
  return summary;
}

}  // namespace r1::eval
