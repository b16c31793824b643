#include "train/resumable_run.h"

#include <torch/torch.h>

#include <filesystem>

#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "core/metrics.h"
#include "dist/runtime.h"

namespace r1::train {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

void collect_differences(const json& a, const json& b, const std::string& path, std::string& out) {
  if (a.is_object() && b.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it)
      collect_differences(it.value(), b.contains(it.key()) ? b.at(it.key()) : json(), path + (path.empty() ? "" : ".") + it.key(), out);
    for (auto it = b.begin(); it != b.end(); ++it)
      if (!a.contains(it.key())) collect_differences(json(), it.value(), path + (path.empty() ? "" : ".") + it.key(), out);
    return;
  }
  if (a == b) return;
  out += (out.empty() ? "" : ", ") + (path.empty() ? std::string("(whole)") : path) + ": " +
         (a.is_null() ? std::string("(unset)") : a.dump()) + " -> " + (b.is_null() ? std::string("(unset)") : b.dump());
}

// Temporary directories an interrupted TrainingCheckpoints::save leaves under `root`.
void remove_partial_saves(const std::string& root) {
  if (!fs::is_directory(root)) return;
  for (const auto& d : fs::directory_iterator(root)) {
    const std::string name = d.path().filename().string();
    if (name.rfind(".step-", 0) == 0 && name.find(".partial") != std::string::npos) {
      log_info("removing " + d.path().string() + " (left by an interrupted checkpoint save)");
      fs::remove_all(d.path());
    }
  }
}

}  // namespace

ResumeMode parse_resume_mode(const std::string& value) {
  if (value == "auto") return ResumeMode::kAuto;
  if (value == "force") return ResumeMode::kForce;
  if (value == "never") return ResumeMode::kNever;
  throw Error("config key resume", "unknown value '" + value + "' (known: auto, force, never)");
}

const char* resume_mode_name(ResumeMode mode) {
  switch (mode) {
    case ResumeMode::kAuto: return "auto";
    case ResumeMode::kForce: return "force";
    case ResumeMode::kNever: return "never";
  }
  return "?";
}

std::string fingerprint_difference(const json& saved, const json& now) {
  std::string out;
  collect_differences(saved, now, "", out);
  return out;
}

ResumableRun::ResumableRun(RunControl control, RunOutput out)
    : control_(std::move(control)), out_(std::move(out)), checkpoints_(out_.dir, control_.keep) {
  check(control_.checkpoint_every >= 0, "config key checkpoint_every", "must be >= 0 (0 = only at the end)");
}

bool ResumableRun::is_main() const { return !out_.runtime || out_.runtime->is_main(); }

json ResumableRun::begin(model::CausalLMImpl& model, Optimizer& opt) {
  const std::string root = out_.dir + "/checkpoints";
  if (is_main()) remove_partial_saves(root);
  json state;
  if (control_.resume == ResumeMode::kNever) {
    if (is_main() && fs::exists(root)) {
      log_info(out_.stage + ": resume = never; removing the step checkpoints in " + root);
      fs::remove_all(root);
    }
  } else if (const std::string dir = checkpoints_.latest(); !dir.empty()) {
    const std::string where = dir + "/trainer_state.json";
    json saved = json::parse(read_file(where));
    const std::string diff = fingerprint_difference(saved.value("fingerprint", json::object()), control_.fingerprint);
    if (!diff.empty()) {
      check(control_.resume == ResumeMode::kForce, where,
            "this run directory holds a run with another configuration (" + diff +
                "); pass --resume force to continue it anyway, --resume never to start over, or choose another "
                "run directory");
      log_warn(out_.stage + ": resuming under another configuration (resume = force): " + diff);
    }
    state = checkpoints_.restore(dir, model, opt);
    start_ = state.at("step").get<int64_t>();
    resumed_from_ = dir;
    const int world = out_.runtime ? out_.runtime->world_size() : 1;
    const int saved_world = state.value("world_size", 1);
    if (is_main() && saved_world != world)
      log_warn(out_.stage + ": " + dir + " was written by " + std::to_string(saved_world) + " rank(s), this run has " +
               std::to_string(world) + ": the global batch is the same, the reduction order (the last bits) is not");
    if (is_main()) log_info(out_.stage + ": resuming from " + dir + " at step " + std::to_string(start_));
  }
  // No rank goes on (and may overwrite or prune checkpoints) before every rank has read its own.
  if (out_.runtime) out_.runtime->barrier("checkpoint restored (" + out_.stage + ")");
  if (out_.metrics && is_main()) {
    const std::string stage = out_.stage;
    const int64_t from = start_;
    out_.metrics->drop_rows([&](const json& row) {
      return row.value("stage", std::string()) == stage && row.contains("step") && row.at("step").is_number() &&
             row.at("step").get<int64_t>() >= from;
    });
  }
  return state;
}

int64_t ResumableRun::end_step(int64_t total_steps) const {
  return control_.stop_after > 0 ? std::min(total_steps, start_ + control_.stop_after) : total_steps;
}

bool ResumableRun::due(int64_t steps_done, int64_t end) const {
  return steps_done == end || (control_.checkpoint_every > 0 && steps_done % control_.checkpoint_every == 0);
}

void ResumableRun::save(int64_t steps_done, const model::CausalLMImpl& model, Optimizer& opt, json state,
                        const std::map<std::string, io::TensorMap>& extra) const {
  torch::NoGradGuard ng;
  io::TensorMap optimizer_state = opt.state();  // a collective when sharded: before any rank returns
  if (!is_main()) return;
  for (const auto& p : model.named_parameters())
    check(torch::isfinite(p.value()).all().item<bool>(), out_.stage + " checkpoint step-" + std::to_string(steps_done),
          "parameter " + p.key() + " is not finite; not saved (the last good checkpoint is kept)");
  state["step"] = steps_done;
  state["stage"] = out_.stage;
  state["fingerprint"] = control_.fingerprint;
  state["world_size"] = out_.runtime ? out_.runtime->world_size() : 1;
  checkpoints_.save(steps_done, model, optimizer_state, state, out_.tokenizer, out_.tokenizer_config, extra);
}

}  // namespace r1::train
