#include "model/blocks.h"

#include "model/mla.h"
#include "model/moe.h"

namespace r1::model {

std::shared_ptr<AttentionModule> make_attention(const ModelConfig& cfg, int64_t layer) {
  if (cfg.is_deepseek()) return std::make_shared<MLAttention>(cfg);
  return std::make_shared<GQAttention>(cfg);
}

std::shared_ptr<FeedForwardModule> make_feed_forward(const ModelConfig& cfg, int64_t layer) {
  // DeepSeek-V3 keeps the first first_k_dense_replace layers dense (R1_SPEC §6.2); MTP layers sit
  // after num_hidden_layers and so are MoE too.
  if (cfg.is_deepseek() && cfg.n_routed_experts > 0 && layer >= cfg.first_k_dense_replace)
    return std::make_shared<MoEImpl>(cfg);
  return std::make_shared<SwiGLUImpl>(cfg.hidden_size, cfg.intermediate_size);
}

}  // namespace r1::model
