#include "rl/rollout_mismatch.h"

#include <algorithm>

#include "core/error.h"

namespace r1::rl {

MismatchCorrection parse_mismatch_correction(const std::string& name) {
  if (name == "none") return MismatchCorrection::kNone;
  if (name == "tis") return MismatchCorrection::kTis;
  if (name == "mis") return MismatchCorrection::kMis;
  throw Error("config key rl.mismatch", "unknown value '" + name + "' (known: none, tis, mis)");
}

MismatchLevel parse_mismatch_level(const std::string& name) {
  if (name == "token") return MismatchLevel::kToken;
  if (name == "sequence") return MismatchLevel::kSequence;
  throw Error("config key rl.mismatch_level", "unknown value '" + name + "' (known: token, sequence)");
}

Mismatch rollout_mismatch(const at::Tensor& train_logp, const at::Tensor& rollout_logp, const at::Tensor& mask_in,
                          const MismatchConfig& cfg) {
  check(cfg.cap > 0, "config key rl.mismatch_cap", "must be > 0");
  at::NoGradGuard ng;
  auto mask = mask_in.to(at::kDouble);
  auto delta = (train_logp.detach().to(at::kDouble) - rollout_logp.to(at::kDouble)) * mask;  // log ρ_mis [B, T]
  auto ratio = delta.exp();                                                                   // 1 off the mask
  Mismatch out;
  const double n = std::max(1.0, mask.sum().item<double>());
  out.stats.kl = ((ratio - delta - 1) * mask).sum().item<double>() / n;
  out.stats.abs_log_ratio = (delta.abs() * mask).sum().item<double>() / n;
  out.stats.max_ratio = mask.sum().item<double>() > 0 ? ratio.masked_select(mask > 0).max().item<double>() : 1.0;
  // The ratio the correction looks at: per token, or the sequence's product broadcast to its tokens.
  at::Tensor unit;  // [B, T]
  double beyond;
  if (cfg.level == MismatchLevel::kToken) {
    unit = ratio;
    beyond = ((ratio > cfg.cap).to(at::kDouble) * mask).sum().item<double>() / n;
  } else {
    auto seq = delta.sum(1, /*keepdim=*/true).exp();  // [B, 1]
    auto has = (mask.sum(1, true) > 0).to(at::kDouble);
    unit = seq.expand_as(ratio);
    beyond = ((seq > cfg.cap).to(at::kDouble) * has).sum().item<double>() / std::max(1.0, has.sum().item<double>());
  }
  out.stats.beyond_cap = beyond;
  switch (cfg.correction) {
    case MismatchCorrection::kNone: break;
    case MismatchCorrection::kTis: out.weight = unit.clamp_max(cfg.cap).to(train_logp.scalar_type()); break;
    case MismatchCorrection::kMis: out.weight = (unit <= cfg.cap).to(train_logp.scalar_type()); break;
  }
  return out;
}

}  // namespace r1::rl
