#include "dist/bucketing.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <tuple>

namespace r1::dist {

std::vector<Bucket> make_buckets(const std::vector<at::Tensor>& tensors, const std::vector<size_t>& order,
                                 int64_t cap_bytes, int64_t first_cap_bytes) {
  struct Open {
    Bucket bucket;
    int64_t bytes = 0;
    bool first = true;  // no bucket of this dtype/device closed yet
  };
  using Key = std::tuple<int, int, int>;  // dtype, device type, device index
  std::map<Key, Open> open;
  std::vector<std::pair<size_t, Bucket>> closed;  // (position of first member in order, bucket)
  std::vector<size_t> position(tensors.size());
  for (size_t p = 0; p < order.size(); ++p) position[order[p]] = p;

  auto close = [&](Open& o) {
    if (o.bucket.members.empty()) return;
    closed.emplace_back(position[o.bucket.members.front()], std::move(o.bucket));
    o.bucket = Bucket{};
    o.bytes = 0;
    o.first = false;
  };
  for (size_t i : order) {
    const at::Tensor& t = tensors[i];
    Key key{static_cast<int>(t.scalar_type()), static_cast<int>(t.device().type()), t.device().index()};
    Open& o = open[key];
    o.bucket.members.push_back(i);
    o.bucket.offset.push_back(o.bucket.numel);
    o.bucket.numel += t.numel();
    o.bytes += t.numel() * static_cast<int64_t>(t.element_size());
    if (o.bytes >= (o.first ? first_cap_bytes : cap_bytes)) close(o);
  }
  for (auto& kv : open) close(kv.second);
  std::sort(closed.begin(), closed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Bucket> out;
  for (auto& c : closed) out.push_back(std::move(c.second));
  return out;
}

std::vector<size_t> forward_order(size_t n) {
  std::vector<size_t> v(n);
  std::iota(v.begin(), v.end(), size_t{0});
  return v;
}

std::vector<size_t> reverse_order(size_t n) {
  auto v = forward_order(n);
  std::reverse(v.begin(), v.end());
  return v;
}

at::Tensor flatten(const Bucket& b, const std::vector<at::Tensor>& tensors) {
  std::vector<at::Tensor> parts;
  parts.reserve(b.members.size());
  for (size_t i : b.members) parts.push_back(tensors[i].detach().reshape({-1}));
  return at::cat(parts);  // [numel]
}

void unflatten(const at::Tensor& flat, const Bucket& b, std::vector<at::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  for (size_t k = 0; k < b.members.size(); ++k) {
    at::Tensor& t = tensors[b.members[k]];
    t.copy_(flat.narrow(0, b.offset[k], t.numel()).view(t.sizes()));
  }
}

}  // namespace r1::dist
