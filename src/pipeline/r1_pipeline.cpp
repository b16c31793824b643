#include "pipeline/r1_pipeline.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "core/seed.h"
#include "dist/launch_env.h"
#include "io/model_dir.h"
#include "pipeline/general_data.h"
#include "pipeline/seed_sweep.h"
#include "pipeline/stages.h"
#include "pipeline/world.h"
#include "report/html_report.h"
#include "report/pipeline_report.h"
#include "rl/preference_task.h"
#include "rl/reward_model.h"
#include "rl/sample_candidates.h"
#include "tasks/prompt_template.h"
#include "train/sft.h"

namespace r1::pipeline {
namespace {

using json = nlohmann::json;

class Pipeline;

// One row of the stage table: what the stage starts from, what else it reads ("" = nothing), how it
// runs, and whether its checkpoint is evaluated (the reward model is not a policy).
struct StageSpec {
  std::string name, init, data_from;
  void (Pipeline::*run)(const StageSpec&);
  bool evaluated = true;
};
const std::vector<StageSpec>& stage_specs();

// The reasoning tasks written in the target language only (readable_language's zh_fraction in
// running_sum's options): the source of the cold start's readable traces.
std::vector<std::unique_ptr<tasks::Task>> readable_tasks(const R1PipelineConfig& cfg) {
  tasks::TaskOptions options = cfg.task_options;
  options.running_sum.zh_fraction = cfg.readable_language.running_sum.zh_fraction;
  std::vector<std::unique_ptr<tasks::Task>> out;
  for (const auto& name : cfg.tasks) out.push_back(tasks::make_synthetic_task(name, options));
  return out;
}

class Pipeline {
 public:
  explicit Pipeline(const R1PipelineConfig& cfg)
      : cfg_(cfg),
        run_dir_(cfg.run_dir),
        metrics_(run_dir_ + "/metrics.jsonl"),
        clock_(run_dir_),
        world_(build_world(cfg)),
        general_(cfg.general, cfg.seed) {
    world_.general_document = [this](tasks::Rng& rng) { return general_.document(rng); };
    world_.general_fraction = cfg.general.pretrain_fraction;
  }

  json run() {
    for (const auto& name : cfg_.stages) run_stage(name);
    json summary = summarize();
    write_file_atomic(run_dir_ + "/summary.json", summary.dump(2) + "\n");
    report::write_pipeline_report(run_dir_);
    print_table(summary);
    return summary;
  }

  // --- stages: the runners of the stage table -------------------------------------------------

  void run_base(const StageSpec& s) { stage_pretrain(s.name, cfg_.model, "model", cfg_.pretrain); }
  void run_student_base(const StageSpec& s) {
    stage_pretrain(s.name, cfg_.student_model, "student_model", cfg_.student_pretrain);
  }
  void run_r1_zero(const StageSpec& s) { stage_grpo(s, cfg_.r1_zero.rl, "r1_zero"); }
  void run_reasoning_rl(const StageSpec& s) { stage_grpo(s, cfg_.reasoning_rl.rl, "reasoning_rl"); }
  // The ablation: reasoning_rl's settings and seed without the language-consistency reward.
  void run_reasoning_rl_no_lc(const StageSpec& s) {
    rl::GrpoConfig gc = cfg_.reasoning_rl.rl;
    gc.language_weight = 0.0;
    stage_grpo(s, gc, "reasoning_rl");
  }
  void run_final_rl(const StageSpec& s) { stage_grpo(s, cfg_.final_rl.rl, "final_rl", cfg_.final_rl.general_share); }
  void run_student_rl(const StageSpec& s) { stage_grpo(s, cfg_.student_rl.rl, "student_rl"); }
  void run_cold_start(const StageSpec& s) { stage_sft(s, cold_start_data(), cfg_.cold_start.sft); }
  void run_rejection_sft(const StageSpec& s) { stage_sft(s, rejection_sampling_data(), cfg_.rejection_sft.sft); }
  void run_distill(const StageSpec& s) { stage_sft(s, distillation_data(), cfg_.distill.sft); }
  void run_reward_model(const StageSpec&) { stage_reward_model(); }

 private:
  std::string checkpoint(const std::string& stage) const { return run_dir_ + "/checkpoints/" + stage; }
  std::string work(const std::string& stage) const { return run_dir_ + "/work/" + stage; }
  bool finished(const std::string& stage) const { return path_exists(checkpoint(stage) + "/config.json"); }

  void require(const std::string& stage, const std::string& needed) const {
    check(needed.empty() || finished(needed), "stage " + stage,
          "needs stage " + needed + " (" + checkpoint(needed) + "); run it first or leave it in --stages");
  }

  model::CausalLM load(const std::string& stage) const { return load_checkpoint_model(checkpoint(stage)); }

  // `name` is in the stage table: the config's schema checked `stages`.
  void run_stage(const std::string& name) {
    const StageSpec& spec =
        *std::find_if(stage_specs().begin(), stage_specs().end(), [&](const auto& s) { return s.name == name; });
    if (!finished(name)) {
      require(name, spec.init);
      require(name, spec.data_from);
      log_info("stage " + name);
      auto t = std::chrono::steady_clock::now();
      (this->*spec.run)(spec);
      clock_.record(name, seconds_since(t));
    }
    if (spec.evaluated) evaluate(name);
  }

  void stage_pretrain(const std::string& name, const model::ModelConfig& mc, const std::string& model_key,
                      const train::LmTrainConfig& tc) {
    auto m = build_model(mc, model_key, cfg_.seed, world_);
    log_info(name + ": " + std::to_string(model::parameter_count(*m)) + " parameters");
    pretrain(*m, world_, cfg_, tc, metrics_, name, work(name), run_control(cfg_, cfg_.checkpoint_every));
    io::save_model_dir(checkpoint(name), *m, &world_.tokenizer);
  }

  // GRPO from the stage's init on the world's reasoning tasks; with general_share > 0, that share of
  // the prompts are general ones scored by the reward model. `seed_key` names the stream its seed
  // is derived from (when rl.seed is 0).
  void stage_grpo(const StageSpec& spec, rl::GrpoConfig gc, const std::string& seed_key, double general_share = 0) {
    if (gc.seed == 0) gc.seed = derive_seed(cfg_.seed, "rl/" + seed_key);
    auto m = load(spec.init);
    rl::GrpoEnvironment env = grpo_environment(world_, gc.seed, gc.prompts_per_step,
                                                    m->config().max_position_embeddings - gc.max_new_tokens);
    std::unique_ptr<rl::PreferenceTask> preference;
    if (general_share > 0) {
      rl::PreferenceTaskOptions po;
      po.score_offset = json::parse(read_file(run_dir_ + "/reward_model.json")).at("score_offset");
      preference = std::make_unique<rl::PreferenceTask>(rl::load_reward_model(checkpoint("reward_model")),
                                                        general_.shared_task(), preference_codec(), po);
      auto reasoning = env.prompts;
      env.prompts = [this, reasoning, general_share, seed = gc.seed, p = preference.get()](int64_t step) {
        auto prompts = reasoning(step);
        tasks::Rng rng(derive_seed(seed, "final_rl/general", {static_cast<uint64_t>(step)}));
        const size_t n_general = static_cast<size_t>(general_share * prompts.size() + 0.5);
        for (size_t i = 0; i < n_general && i < prompts.size(); ++i) {
          auto& slot = prompts[prompts.size() - 1 - i];  // the last ones become general prompts
          slot.problem = general_.sample_train(rng);
          slot.task = p;
          slot.ids = tasks::encode_prompt(world_.codec, tasks::r1_zero_prompt(slot.problem));
          slot.response_prefix.clear();
        }
        return prompts;
      };
    }
    rl::GrpoRun run;
    run.stage = spec.name;
    run.checkpoint_dir = work(spec.name);
    run.control = run_control(cfg_, cfg_.checkpoint_every_rl);
    run.tokenizer = &world_.tokenizer;
    rl::train_grpo(*m, env, gc, &metrics_, {}, run);
    io::save_model_dir(checkpoint(spec.name), *m, &world_.tokenizer);
  }

  void stage_sft(const StageSpec& spec, const std::vector<json>& conversations, const SftSettings& settings) {
    const std::string& name = spec.name;
    const std::string& init = spec.init;
    auto m = load(init);
    if (conversations.empty()) {  // a tiny or failed teacher: the stage leaves the model as it was
      log_warn("stage " + name + ": no training data survived the filters; the model is " + init + " unchanged");
      io::save_model_dir(checkpoint(name), *m, &world_.tokenizer);
      return;
    }
    train::SftFormat fmt;
    fmt.tokenizer = &world_.tokenizer;
    fmt.bos_id = world_.codec.bos_id;
    fmt.eos_id = world_.codec.eos_id;
    fmt.max_length = 256;
    std::vector<train::Example> units;
    for (const auto& messages : conversations)
      if (auto e = train::render_sft_example(messages, fmt)) units.push_back(std::move(*e));
    train::SftConfig c;
    c.train = settings.train;
    c.epochs = settings.epochs;
    c.seed = cfg_.seed;
    c.stage = name;
    train::SftOutput out;
    out.out_dir = work(name);
    out.tokenizer = &world_.tokenizer;
    auto r = train::run_sft(*m, units, c, world_.codec.pad_id, run_control(cfg_, cfg_.checkpoint_every), out, &metrics_);
    metrics_.write({{"stage", name + "_data"}, {"examples", units.size()}, {"steps", r.end_step}});
    io::save_model_dir(checkpoint(name), *m, &world_.tokenizer);
  }

  void stage_reward_model() {
    const RewardModelStage& rc = cfg_.reward_model;
    const int64_t n_pairs = rc.pairs, n_eval = rc.eval_pairs;
    tasks::Rng rng(derive_seed(cfg_.seed, "reward_model/pairs"));
    std::vector<rl::PreferencePair> pairs;
    const rl::PreferenceCodec codec = preference_codec();
    for (int64_t i = 0; i < n_pairs + n_eval; ++i) {
      auto e = general_.preference_pair(rng);
      pairs.push_back({rl::preference_sequence(codec, e.problem, e.chosen),
                       rl::preference_sequence(codec, e.problem, e.rejected)});
    }
    std::vector<rl::PreferencePair> eval_pairs(pairs.end() - n_eval, pairs.end());
    pairs.resize(n_pairs);
    auto tc = rl::RewardTrainConfig{};
    tc.steps = rc.steps;
    tc.batch_size = rc.batch_size;
    tc.lr = rc.lr;
    tc.seed = cfg_.seed;
    rl::RewardModel rm(load("base"), tc.seed);
    const double before = rl::pairwise_accuracy(*rm, eval_pairs, world_.codec.pad_id);
    auto res = rl::train_reward_model(*rm, pairs, tc, world_.codec.pad_id, &metrics_);
    const double after = rl::pairwise_accuracy(*rm, eval_pairs, world_.codec.pad_id);
    // The preference reward's reference point: halfway between held-out chosen and rejected scores.
    const double offset = rl::midpoint_offset(*rm, eval_pairs, world_.codec.pad_id);
    json s = {{"train_pairs", n_pairs}, {"eval_pairs", n_eval}, {"eval_accuracy_before", before},
              {"eval_accuracy", after}, {"final_loss", res.final_loss}, {"score_offset", offset}};
    write_file_atomic(run_dir_ + "/reward_model.json", s.dump(2) + "\n");
    log_info("reward model: held-out pairwise accuracy " + std::to_string(before) + " -> " + std::to_string(after));
    rl::save_reward_model(checkpoint("reward_model"), *rm, &world_.tokenizer);
  }

  // --- data -----------------------------------------------------------------------------------

  // The reward model scores what the policy sees and says: BOS + "User: …\nAssistant: " + reply + EOS.
  rl::PreferenceCodec preference_codec() const {
    rl::PreferenceCodec c;
    c.encode = world_.codec.encode;
    c.encode_prompt = [this](const tasks::Problem& p) {
      return tasks::encode_prompt(world_.codec, tasks::r1_zero_prompt(p));
    };
    c.eos_id = world_.codec.eos_id;
    c.pad_id = world_.codec.pad_id;
    return c;
  }

  static json conversation(const std::string& question, const std::string& response) {
    return json::array({{{"role", "user"}, {"content", question}}, {{"role", "assistant"}, {"content", response}}});
  }

  // n training problems over the reasoning tasks in turn, from a stream of their own, as R1-Zero
  // prompts numbered 0..n-1.
  std::vector<rollout::RolloutPrompt> training_problems(int64_t n, const std::string& stream) const {
    tasks::Rng rng(derive_seed(cfg_.seed, stream));
    std::vector<rollout::RolloutPrompt> out;
    for (int64_t i = 0; i < n; ++i) {
      rollout::RolloutPrompt p;
      const size_t t = i % world_.tasks.size();
      p.problem = world_.sample_train(t, rng);
      p.task = world_.tasks[t].get();
      p.ids = tasks::encode_prompt(world_.codec, tasks::r1_zero_prompt(p.problem));
      p.index = static_cast<uint64_t>(i);
      out.push_back(std::move(p));
    }
    return out;
  }

  // Samples k responses per problem from checkpoint `stage`, keeps those the filters pass, and
  // records the statistics as data_<name>.json.
  std::vector<json> filtered_samples(const std::string& stage, const std::string& name, const SampledSftStage& c) {
    auto m = load(stage);
    auto problems = training_problems(c.prompts, name + "/problems");
    rollout::RolloutConfig rc;
    rc.samples_per_prompt = c.k;
    rc.sampling.temperature = c.temperature;
    rc.sampling.top_p = 1.0;
    rc.sampling.max_new_tokens = cfg_.eval.max_new_tokens;
    rc.sampling.seed = cfg_.seed;
    rc.stream = name + "/samples";
    rc.prompts_per_call = 32;
    rc.eos_id = world_.codec.eos_id;
    rc.pad_id = world_.codec.pad_id;
    auto cands = rl::sample_candidates(*m, problems, world_.codec.decode, rc);
    rl::RejectionStats st;
    auto verdicts = rl::rejection_filter(cands, c.filter, &st);
    std::vector<json> out;
    int64_t correct = 0;
    for (size_t i = 0; i < cands.size(); ++i) {
      correct += cands[i].correct;
      if (verdicts[i] == rl::DropReason::kKept) out.push_back(conversation(cands[i].prompt, cands[i].response));
    }
    json stats = st.to_json();
    stats["sampled_from"] = stage;
    stats["correct_rate"] = cands.empty() ? 0.0 : static_cast<double>(correct) / cands.size();
    write_file_atomic(run_dir_ + "/data_" + name + ".json", stats.dump(2) + "\n");
    log_info(name + " data: " + std::to_string(st.kept) + " of " + std::to_string(st.total) + " samples kept");
    return out;
  }

  // `n` written conversations appended to `data`, the i-th from write(i, rng) on a stream of its own.
  void append_written(std::vector<json>& data, int64_t n, const std::string& stream,
                      const std::function<json(int64_t, tasks::Rng&)>& write) const {
    tasks::Rng rng(derive_seed(cfg_.seed, stream));
    for (int64_t i = 0; i < n; ++i) data.push_back(write(i, rng));
  }

  // Cold start: solution-writer traces in the target language (thinking, then the answer) plus
  // R1-Zero's samples that verify and read in one language.
  std::vector<json> cold_start_data() {
    const ColdStartStage& c = cfg_.cold_start;
    std::vector<json> data = filtered_samples("r1_zero", "cold_start", c);
    append_written(data, c.extra, "cold_start/written", [this](int64_t i, tasks::Rng& rng) {
      const size_t t = i % world_.tasks.size();
      auto p = world_.sample_train(t, rng);
      return conversation(p.question, readable_tasks_[t]->write_solution(p, /*think=*/true, rng));
    });
    return data;
  }

  // `n` general (non-reasoning) replies, the hidden rule's chosen ones, appended to `data`.
  void append_general(std::vector<json>& data, int64_t n, const std::string& stage) const {
    append_written(data, n, stage + "/general", [this](int64_t, tasks::Rng& rng) {
      auto e = general_.preference_pair(rng);
      return conversation(e.problem.question, e.chosen);
    });
  }

  // Rejection sampling from reasoning RL, plus general replies.
  std::vector<json> rejection_sampling_data() {
    std::vector<json> data = filtered_samples("reasoning_rl", "rejection_sft", cfg_.rejection_sft);
    append_general(data, cfg_.rejection_sft.extra, "rejection_sft");
    return data;
  }

  // The final teacher's verified samples, plus general replies: without them the student forgets
  // the general task's reply format (acceptance 0.0 after a reasoning-only distillation).
  std::vector<json> distillation_data() {
    std::vector<json> data = filtered_samples("final_rl", "distill", cfg_.distill);
    append_general(data, cfg_.distill.extra, "distill");
    return data;
  }

  // --- evaluation and summary -----------------------------------------------------------------

  // Held-out evaluation of checkpoint `stage`, free mode: each reasoning task and the general one.
  void evaluate(const std::string& stage) {
    cached_eval(schema::to_json(cfg_), stage, checkpoint(stage), metrics_, clock_, [&] {
      auto m = load(stage);
      const eval::TaskEvalConfig ec = task_eval_config(cfg_);
      json out;
      for (size_t t = 0; t < world_.tasks.size(); ++t)
        out[world_.tasks[t]->name()] =
            task_eval_json(eval::evaluate_task(*m, *world_.tasks[t], world_.heldout[t], world_.codec, ec));
      out["general"] = task_eval_json(eval::evaluate_task(*m, general_.task(), general_.heldout(), world_.codec, ec));
      std::fprintf(stderr, "[eval %s] %s\n", stage.c_str(), out.dump().c_str());
      return out;
    });
  }

  json summarize() const {
    json rows = json::object();
    for (const auto& s : stage_specs()) {
      const std::string path = run_dir_ + "/eval_" + s.name + ".json";
      if (path_exists(path)) rows[s.name] = json::parse(read_file(path));
    }
    json summary = {{"rows", rows}, {"wall_seconds", clock_.seconds}, {"tasks", cfg_.tasks}};
    if (path_exists(run_dir_ + "/reward_model.json"))
      summary["reward_model"] = json::parse(read_file(run_dir_ + "/reward_model.json"));
    for (const char* d : {"cold_start", "rejection_sft", "distill"})
      if (path_exists(run_dir_ + "/data_" + d + ".json"))
        summary["data"][d] = json::parse(read_file(run_dir_ + "/data_" + d + ".json"));
    summary["findings"] = report::pipeline_findings(summary, report::read_metrics(run_dir_ + "/metrics.jsonl"));
    return summary;
  }

  void print_table(const json& summary) const {
    const std::string task = world_.tasks.front()->name();
    std::printf("\n%-20s %8s %8s %8s %8s %8s %8s\n", "model", "pass@1", "cons@k", "thinks", "length", "mixing",
                "general");
    for (const auto& spec : stage_specs()) {  // the pipeline's order, not the JSON's
      if (!summary.at("rows").contains(spec.name)) continue;
      const json& row = summary.at("rows").at(spec.name);
      const json& r = row.at(task);
      std::printf("%-20s %8.3f %8.3f %8.2f %8.1f %8.2f %8.3f\n", spec.name.c_str(), r.at("pass@1").get<double>(),
                  r.at("cons@k").get<double>(), r.at("think_rate").get<double>(),
                  r.at("response_length").get<double>(), r.at("language_mixing").get<double>(),
                  row.at("general").at("pass@1").get<double>());
    }
    std::printf("(%s; pass@1 over k samples per held-out problem; mixing: share of CoTs in two languages;\n"
                " general: share of general replies the hidden preference rule accepts)\n\n", task.c_str());
    for (const auto& f : summary.at("findings")) std::printf("- %s\n", f.at("answer").get<std::string>().c_str());
    std::printf("\nrun directory: %s (report.html, summary.json, metrics.jsonl, checkpoints/)\n", run_dir_.c_str());
  }

  R1PipelineConfig cfg_;
  std::string run_dir_;
  MetricsWriter metrics_;
  StageClock clock_;
  World world_;
  GeneralData general_;
  // The reasoning tasks with their target-language options: the cold start's readable traces.
  std::vector<std::unique_ptr<tasks::Task>> readable_tasks_ = readable_tasks(cfg_);
};

const std::vector<StageSpec>& stage_specs() {
  static const std::vector<StageSpec> specs = {
      {"base", "", "", &Pipeline::run_base},
      {"r1_zero", "base", "", &Pipeline::run_r1_zero},
      {"cold_start", "base", "r1_zero", &Pipeline::run_cold_start},
      {"reasoning_rl", "cold_start", "", &Pipeline::run_reasoning_rl},
      {"reasoning_rl_no_lc", "cold_start", "", &Pipeline::run_reasoning_rl_no_lc},
      {"rejection_sft", "base", "reasoning_rl", &Pipeline::run_rejection_sft},
      {"reward_model", "base", "", &Pipeline::run_reward_model, /*evaluated=*/false},
      {"final_rl", "rejection_sft", "reward_model", &Pipeline::run_final_rl},
      {"student_base", "", "", &Pipeline::run_student_base},
      {"distill", "student_base", "final_rl", &Pipeline::run_distill},
      {"student_rl", "student_base", "", &Pipeline::run_student_rl},
  };
  return specs;
}

}  // namespace

const std::vector<std::string>& pipeline_stages() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& s : stage_specs()) n.push_back(s.name);
    return n;
  }();
  return names;
}

json run_r1_pipeline(const R1PipelineConfig& cfg) {
  // Its stages (rejection sampling, distillation, the reward model) are not data parallel yet.
  check(!dist::read_launch_env().distributed(), "r1 pipeline",
        "runs as one process; under torchrun / r1 launch run its data-parallel stages alone (r1 pretrain, r1 sft, "
        "r1 grpo) or start it without a launcher");
  if (!cfg.seeds.empty()) return run_seed_sweep(cfg);
  prepare_run_dir(cfg);
  Pipeline p(cfg);
  return p.run();
}

}  // namespace r1::pipeline
