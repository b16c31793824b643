#include "rl/distillation.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "core/schema.h"
#include "core/seed.h"
#include "io/model_dir.h"
#include "model/causal_lm.h"
#include "rl/distill_schema.h"
#include "rl/sample_candidates.h"
#include "tasks/datasets/benchmarks.h"
#include "tasks/datasets/dataset_task.h"
#include "tasks/prompt_template.h"

namespace r1::rl {

using json = nlohmann::json;

namespace {

const char* const kForcedThink = "<think>\n";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

json conversation(const std::string& user, const std::string& response) {
  return json::array({{{"role", "user"}, {"content", user}}, {{"role", "assistant"}, {"content", response}}});
}

// The teacher's format, read from its checkpoint directory.
TeacherText teacher_text(const io::LoadedModel& m, const std::string& dir) {
  check(m.tokenizer.has_value(), dir, "has no tokenizer.json (the teacher is decoded with its own tokenizer)");
  const auto& mc = m.model->config();
  TeacherText t;
  t.codec = text::make_codec(*m.tokenizer, mc.bos_token_id, mc.eos_token_id);
  check(t.codec.eos_id >= 0, dir + "/config.json", "has no eos_token_id: a teacher sample must be able to stop");
  t.chat = tasks::model_chat_template(m.tokenizer_config, dir + "/tokenizer_config.json");
  return t;
}

}  // namespace

std::vector<std::unique_ptr<tasks::Task>> make_distill_tasks(const DistillDataConfig& cfg) {
  check(!cfg.tasks.empty(), "config key tasks", "needs at least one task");
  std::vector<std::unique_ptr<tasks::Task>> out;
  for (const auto& name : cfg.tasks) {
    if (tasks::is_dataset_benchmark(name))
      out.push_back(tasks::make_dataset_task(name, cfg.data_dir));
    else
      out.push_back(tasks::make_synthetic_task(name, cfg.task_options));
  }
  return out;
}

std::vector<DistillProblem> distill_problems(const std::vector<std::unique_ptr<tasks::Task>>& tasks, int64_t n,
                                             uint64_t seed, const TeacherText& teacher) {
  check(!tasks.empty(), "distill_problems", "needs at least one task");
  // Per task: its generator (synthetic) or its seeded order over the file (benchmark).
  std::vector<tasks::Rng> rngs;
  std::vector<std::vector<size_t>> orders(tasks.size());
  std::vector<size_t> taken(tasks.size(), 0);
  for (size_t t = 0; t < tasks.size(); ++t) {
    rngs.emplace_back(derive_seed(seed, "distill/problems", {t}));
    if (const auto* file = dynamic_cast<const tasks::DatasetTask*>(tasks[t].get())) {
      auto& order = orders[t];
      order.resize(file->problems().size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      // Fisher-Yates with our own draw, as SftDataOrder: the same order under any standard library.
      for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rngs[t]() % i]);
    }
  }
  std::vector<DistillProblem> out;
  for (int64_t i = 0; i < n; ++i) {
    const size_t t = static_cast<size_t>(i) % tasks.size();
    const auto* file = dynamic_cast<const tasks::DatasetTask*>(tasks[t].get());
    DistillProblem d;
    d.prompt.problem = file ? file->problems()[orders[t][taken[t]++ % orders[t].size()]] : tasks[t]->sample(rngs[t]);
    d.prompt.task = tasks[t].get();
    d.prompt.index = static_cast<uint64_t>(i);
    // The prompt RL and `r1 eval` give this problem (pipeline/world.cpp's rule).
    const bool chat = teacher.chat && file != nullptr;
    const tasks::Prompt p = chat ? tasks::r1_chat_prompt(*teacher.chat, d.prompt.problem)
                                 : tasks::r1_zero_prompt(d.prompt.problem);
    d.prompt.ids = tasks::encode_prompt(teacher.codec, p);
    d.prompt.response_prefix = p.response_prefix;
    d.user_message = chat ? tasks::r1_user_message(d.prompt.problem) : d.prompt.problem.question;
    out.push_back(std::move(d));
  }
  return out;
}

json DistillData::to_json() const {
  json j = stats.to_json();
  j["correct_rate"] = stats.total > 0 ? static_cast<double>(correct) / stats.total : 0.0;
  j["generated_tokens"] = generated_tokens;
  return j;
}

DistillData sample_teacher(model::CausalLMImpl& teacher, const TeacherText& text,
                           const std::vector<DistillProblem>& problems, const DistillDataConfig& cfg) {
  rollout::RolloutConfig rc;
  rc.samples_per_prompt = cfg.k;
  rc.sampling.temperature = cfg.sampling.temperature;
  rc.sampling.top_p = cfg.sampling.top_p;
  rc.sampling.max_new_tokens = cfg.sampling.max_new_tokens;
  rc.sampling.seed = cfg.seed;
  rc.stream = "distill/samples";
  rc.eos_id = text.codec.eos_id;
  rc.pad_id = text.codec.pad_id;
  DistillData d;
  std::vector<Candidate> cands;
  const auto t0 = std::chrono::steady_clock::now();
  const size_t batch = static_cast<size_t>(std::max<int64_t>(1, cfg.batch_prompts));
  for (size_t b = 0; b < problems.size(); b += batch) {
    std::vector<rollout::RolloutPrompt> call;
    for (size_t i = b; i < std::min(problems.size(), b + batch); ++i) call.push_back(problems[i].prompt);
    auto got = sample_candidates(teacher, call, text.codec.decode, rc, &d.generated_tokens);
    // The conversation's user turn: what the teacher was asked (Candidate.prompt is the bare question).
    for (size_t j = 0; j < got.size(); ++j) got[j].prompt = problems[b + j / static_cast<size_t>(cfg.k)].user_message;
    for (const auto& c : got) d.correct += c.correct;
    cands.insert(cands.end(), std::make_move_iterator(got.begin()), std::make_move_iterator(got.end()));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "[distill] teacher: %zu/%zu problems, %zu samples, %lld verified, %.0f tokens/s\n",
                 std::min(problems.size(), b + batch), problems.size(), cands.size(), static_cast<long long>(d.correct),
                 d.generated_tokens / std::max(1e-9, s));
  }
  const auto verdicts = rejection_filter(cands, cfg.filter, &d.stats);
  for (size_t i = 0; i < cands.size(); ++i)
    if (verdicts[i] == DropReason::kKept) d.conversations.push_back(conversation(cands[i].prompt, cands[i].response));
  return d;
}

std::vector<train::Example> student_examples(const std::vector<json>& conversations, const train::SftFormat& student,
                                             int64_t* dropped) {
  std::vector<train::Example> out;
  int64_t n_dropped = 0;
  for (json messages : conversations) {
    // A student template that itself ends with "<think>\n" (R1's 2025 one) has already opened the
    // think block the teacher's response starts with: the target must not open it twice.
    if (student.chat) {
      json context(messages.begin(), messages.end() - 1);
      std::string& target = messages.back()["content"].get_ref<std::string&>();
      if (ends_with(student.chat->render(context, true), kForcedThink) && target.rfind(kForcedThink, 0) == 0)
        target.erase(0, std::string(kForcedThink).size());
    }
    auto e = train::render_sft_example(messages, student);
    if (e)
      out.push_back(std::move(*e));
    else
      ++n_dropped;
  }
  if (dropped) *dropped = n_dropped;
  return out;
}

DistillResult run_distillation(const DistillJob& job) {
  // Tasks first: an unknown task or a missing benchmark file fails before a checkpoint loads.
  const auto tasks = make_distill_tasks(job.data);
  for (const auto& [key, dir] : {std::pair{"teacher", job.teacher}, std::pair{"student", job.student}})
    check(path_exists(dir + "/config.json"), "--" + std::string(key) + " " + dir,
          "is not a checkpoint directory (no config.json)");
  make_dirs(job.out);
  const std::string data_path = job.out + "/distill_data.jsonl", stats_path = job.out + "/distill_data.json";
  MetricsWriter metrics(job.out + "/metrics.jsonl");
  DistillResult r;

  // The data: sampled once, then reused (the stats file, written last, says it is complete).
  const json data_key = {{"teacher", job.teacher}, {"data", schema::result_part(job.data)}};
  if (path_exists(stats_path) && path_exists(data_path)) {
    const json saved = json::parse(read_file(stats_path), nullptr, false);
    check(saved.is_object() && saved.contains("config"), stats_path, "is not distillation statistics; choose another --out");
    if (auto diff = schema::first_difference(data_key, saved.at("config")))
      throw UsageError(stats_path, "holds data sampled with another configuration (" + *diff +
                                       "); choose another --out or restore the setting");
    r.data.conversations = train::read_sft_jsonl(data_path);
    r.data_reused = true;
    log_info("distill: reusing " + std::to_string(r.data.conversations.size()) + " conversations from " + data_path);
  } else {
    auto teacher = io::load_model_dir(job.teacher);
    const TeacherText text = teacher_text(teacher, job.teacher);
    const auto problems = distill_problems(tasks, job.data.prompts, job.data.seed, text);
    log_info("distill: sampling " + std::to_string(job.data.k) + " x " + std::to_string(problems.size()) +
             " problems from " + job.teacher + " (" + (text.chat ? "its chat template" : "R1-Zero prompts") + ")");
    r.data = sample_teacher(*teacher.model, text, problems, job.data);
    std::string lines;
    for (const auto& c : r.data.conversations) lines += json{{"messages", c}}.dump() + "\n";
    write_file_atomic(data_path, lines);
    json stats = r.data.to_json();
    stats["config"] = data_key;
    write_file_atomic(stats_path, stats.dump(2) + "\n");
    metrics.write({{"stage", "distill_data"}, {"teacher", job.teacher}, {"data", r.data.to_json()}});
    const auto& st = r.data.stats;
    std::fprintf(stderr,
                 "[distill] kept %lld of %lld samples (incorrect %lld, overlong %lld, mixed-language %lld, repetitive "
                 "%lld, duplicate %lld, over quota %lld) -> %s\n",
                 static_cast<long long>(st.kept), static_cast<long long>(st.total),
                 static_cast<long long>(st.incorrect), static_cast<long long>(st.overlong),
                 static_cast<long long>(st.mixed_language), static_cast<long long>(st.repetitive),
                 static_cast<long long>(st.duplicate), static_cast<long long>(st.over_quota), data_path.c_str());
  }
  check(!r.data.conversations.empty(), data_path,
        "no teacher sample passed the verifier and filters: nothing to distil (raise --prompts or --k, relax "
        "--filter.*, or check that the teacher solves --tasks)");

  // The student: its own tokenizer and template render the text.
  auto student = io::load_model_dir(job.student);
  const int64_t context = student.model->config().max_position_embeddings;
  if (job.max_length > context)
    throw UsageError("max_length", "must be at most the student's context, max_position_embeddings = " +
                                       std::to_string(context) + " (" + job.student + "/config.json)");
  const auto fmt = train::sft_format_of(student, job.student, job.max_length > 0 ? job.max_length : context);
  int64_t dropped = 0;
  const auto examples = student_examples(r.data.conversations, fmt, &dropped);
  check(!examples.empty(), job.student, "no distilled example fits the student's max_length");
  r.examples = static_cast<int64_t>(examples.size());
  log_info("distill: " + std::to_string(examples.size()) + " student examples (" + std::to_string(dropped) +
           " dropped: prompt longer than max_length); template: " +
           (fmt.chat ? text::chat_family_name(fmt.chat->family()) : std::string("R1-Zero")));
  train::SftConfig sc = job.sft;
  sc.stage = "distill";
  train::SftOutput o{job.out, &*student.tokenizer, student.tokenizer_config};
  r.sft = train::run_sft(*student.model, examples, sc, fmt.eos_id, job.run, o, &metrics);
  return r;
}

}  // namespace r1::rl
