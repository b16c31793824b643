// Seeds and content hashes that are the same on every platform and standard library.
//
// std::hash differs between libstdc++, libc++ and MSVC, and ad-hoc arithmetic (`seed * 1000003 +
// step`) makes nearby streams collide. Every random draw in r1cpp is seeded by derive_seed(run seed,
// stream name, indices...): a fixed 64-bit hash (FNV-1a of the stream name, each index folded in
// with SplitMix64's finalizer), so a stream depends only on what it names. For GRPO the indices are
// the global prompt index and the sample index within its group: one rank and W ranks, or one batch
// and several, sample the same completions.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace r1 {

// SplitMix64's output function (Steele, Lea & Flood 2014): a bijection on 64-bit words that mixes
// every input bit into every output bit.
constexpr uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// FNV-1a (64-bit) of `bytes`, continuing from `h` (the FNV offset basis by default): for content
// fingerprints (training data, checkpoint files), not for security.
constexpr uint64_t kFnvOffset = 14695981039346656037ull;  // 0xcbf29ce484222325
uint64_t fnv1a64(std::string_view bytes, uint64_t h = kFnvOffset);

// The seed of stream `stream` of a run seeded `run_seed`, at `indices` (e.g. {prompt, sample}).
// Different names, indices or index counts give unrelated seeds. Fits in 63 bits (some consumers
// store seeds in signed integers).
uint64_t derive_seed(uint64_t run_seed, std::string_view stream, std::initializer_list<uint64_t> indices = {});

}  // namespace r1
