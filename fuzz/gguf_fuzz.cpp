// libFuzzer target for the GGUF header parser (src/io/gguf_format.cpp), built without torch or CMake
// by scripts/fuzz_gguf.sh. Any input must either be rejected with r1::Error or yield a header whose
// invariants hold (tensor data aligned, inside the file, not overlapping) and which survives a
// serialize -> parse round trip; anything else (another exception, a sanitizer report, a trap) is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "io/gguf_format.h"

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace r1::io::gguf;
  Header h;
  try {
    h = parse_header(data, size, "fuzz-input");
  } catch (const r1::Error&) {
    return 0;  // rejected cleanly
  }
  uint64_t end = 0;
  for (const auto& t : h.tensors) {
    require(t.offset % h.alignment == 0);
    require(h.data_start + t.offset + t.nbytes <= size);
    require(t.ne.size() <= static_cast<size_t>(kMaxDims));
    end = std::max(end, t.offset + t.nbytes);
  }
  // Written back (names llama.cpp could not load are refused by the writer: skip those) and parsed
  // again: the same metadata and tensors.
  for (const auto& t : h.tensors)
    if (t.name.size() > kMaxNameBytes) return 0;
  std::string bytes = serialize_header(h.metadata, h.tensors, h.alignment);
  require(bytes.size() % h.alignment == 0);
  bytes.resize(bytes.size() + end, '\0');
  const Header again = parse_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "fuzz-rewrite");
  require(again.metadata.size() == h.metadata.size());
  for (size_t i = 0; i < h.metadata.size(); ++i)
    require(again.metadata[i].first == h.metadata[i].first && again.metadata[i].second == h.metadata[i].second);
  require(again.tensors.size() == h.tensors.size());
  for (size_t i = 0; i < h.tensors.size(); ++i) {
    const auto &a = h.tensors[i], &b = again.tensors[i];
    require(a.name == b.name && a.ne == b.ne && a.type == b.type && a.offset == b.offset && a.nbytes == b.nbytes);
  }
  return 0;
}
