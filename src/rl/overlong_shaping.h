// DAPO's overlong reward shaping (arXiv 2503.14476, §3.4 "soft overlong punishment"): a completion
// whose length enters the last `buffer` tokens before the limit L is penalized linearly,
//   R_length(|y|) = 0                                   |y| <= L - buffer
//                 = -penalty · (|y| - (L - buffer)) / buffer   L - buffer < |y| <= L
// added to its reward, so a truncated completion scores -penalty and the policy learns to finish
// before the cut rather than being rewarded for rambling up to it. verl: reward_model.overlong_buffer
// (len, penalty_factor); OpenRLHF --overlong_buffer_len / --overlong_penalty_factor.
#pragma once
#include <cstdint>

namespace r1::rl {

// |y| = the sampled tokens (EOS included, as verl's valid_response_length), L = max_new_tokens;
// buffer 0 = off (0 returned).
double overlong_penalty(int64_t length, int64_t max_length, int64_t buffer, double penalty);

}  // namespace r1::rl
