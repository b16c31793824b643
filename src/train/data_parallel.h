// What a data-parallel trainer does beyond the one-process loop, in one place (the collectives
// themselves are dist::Runtime's). The global batch is the config's: rank r of W trains on its
// slice of it (dist::slice_of, in order), each rank's loss is divided by the *global* normalizer
// (token or sequence count, all-reduced) and the gradients are summed over the ranks
// (dist::GradReducer with Reduce::sum), so the summed gradient is the one process's over the whole
// batch -- also when the ranks hold different token counts, where a mean of per-rank means is not.
#pragma once
#include <string>
#include <vector>

#include "core/error.h"
#include "dist/runtime.h"

namespace torch::nn {
class Module;
}

namespace r1::train {

// `rt`, or a one-process runtime (every collective returns its input) when null.
dist::Runtime& runtime_or_solo(dist::Runtime* rt);

// Rank rt's slice of a step's global batch. An error naming config key `key` when the batch has
// fewer items than ranks (a rank would have nothing to train on).
template <class T>
std::vector<T> rank_share(const std::vector<T>& all, const dist::Runtime& rt, const std::string& key) {
  check(static_cast<int64_t>(all.size()) >= rt.world_size(), "config key " + key,
        std::to_string(all.size()) + " per step cannot be split over " + std::to_string(rt.world_size()) +
            " ranks: the batch is global, give it at least one item per rank");
  const dist::Slice s = rt.slice(static_cast<int64_t>(all.size()));
  return std::vector<T>(all.begin() + s.begin, all.begin() + s.end);
}

// Sums the MoE layers' accumulated expert loads over the ranks, so each rank's auxiliary-loss-free
// bias update (and its logged imbalance) sees the global batch's loads, as one process does.
void all_reduce_moe_loads(dist::Runtime& rt, torch::nn::Module& model);

}  // namespace r1::train
