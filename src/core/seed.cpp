#include "core/seed.h"

namespace r1 {

uint64_t fnv1a64(std::string_view bytes, uint64_t h) {
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

uint64_t derive_seed(uint64_t run_seed, std::string_view stream, std::initializer_list<uint64_t> indices) {
  uint64_t h = splitmix64(run_seed ^ fnv1a64(stream));
  // The count first, so {} and {0} (or {1, 0} and {1}) are different streams.
  h = splitmix64(h ^ indices.size());
  for (uint64_t i : indices) h = splitmix64(h ^ splitmix64(i));
  return h & 0x7fffffffffffffffull;
}

}  // namespace r1
