// libFuzzer target for the safetensors header parser (src/io/safetensors_header.cpp), built without
// torch or CMake by scripts/fuzz_safetensors.sh. Any input must either be rejected with r1::Error or
// yield a header whose invariants hold and which survives a write -> parse round trip; anything else
// (another exception, a sanitizer report, a trap) is a bug.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/safetensors_header.h"

using r1::io::Header;

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

std::map<std::string, const r1::io::TensorInfo*> by_name(const Header& h) {
  std::map<std::string, const r1::io::TensorInfo*> m;
  for (const auto& t : h.tensors) m[t.name] = &t;
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Header h;
  try {
    h = r1::io::parse_header(data, size, "fuzz-input");
  } catch (const r1::Error&) {
    return 0;  // rejected cleanly
  }
  // Accepted: the tensors tile the data section exactly and each span matches its shape.
  uint64_t expected = 0;
  for (const auto& t : h.tensors) {
    require(t.begin == expected && t.end >= t.begin);
    require(t.nbytes() == static_cast<uint64_t>(t.numel()) * r1::io::dtype_size(t.dtype));
    expected = t.end;
  }
  require(h.data_start + expected == size);

  // Writing the same table back and parsing it again gives the same tensors and metadata.
  std::vector<r1::io::TensorSpec> specs;
  for (const auto& t : h.tensors) specs.push_back({t.name, t.dtype, t.shape});
  std::vector<r1::io::TensorInfo> order;
  std::string bytes = r1::io::layout_header(specs, h.metadata, order, "fuzz-rewrite");
  require((bytes.size() - 8) % 8 == 0);
  bytes.resize(bytes.size() + expected, '\0');
  Header again = r1::io::parse_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "fuzz-rewrite");
  require(again.metadata == h.metadata);
  auto a = by_name(h), b = by_name(again);
  require(a.size() == b.size() && a.size() == h.tensors.size());
  for (const auto& [name, t] : a) {
    auto it = b.find(name);
    require(it != b.end() && it->second->dtype == t->dtype && it->second->shape == t->shape &&
            it->second->nbytes() == t->nbytes());
  }
  return 0;
}
