#include "io/safetensors.h"

#include <sys/mman.h>
#include <unistd.h>

#include <torch/torch.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/files.h"
#include "io/fp8.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian; big-endian hosts need byte swaps");

namespace r1::io {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string tensor_where(const std::string& file, const std::string& name) {
  return file + ": tensor '" + name + "'";
}

std::optional<at::ScalarType> torch_dtype(DType d) {
  switch (d) {
    case DType::BOOL: return at::kBool;
    case DType::U8: return at::kByte;
    case DType::I8: return at::kChar;
    case DType::I16: return at::kShort;
    case DType::I32: return at::kInt;
    case DType::I64: return at::kLong;
    case DType::F16: return at::kHalf;
    case DType::BF16: return at::kBFloat16;
    case DType::F32: return at::kFloat;
    case DType::F64: return at::kDouble;
    default: return std::nullopt;  // FP8 and unsigned wider than a byte: converted by hand
  }
}

// Widens unsigned integers that torch 1.13 can't hold to the next signed type.
template <typename Src, typename Dst>
at::Tensor widen(const uint8_t* p, const std::vector<int64_t>& shape, at::ScalarType st, const std::string& where) {
  at::Tensor out = at::empty(shape, at::TensorOptions().dtype(st));
  Dst* o = out.data_ptr<Dst>();
  const int64_t n = out.numel();
  for (int64_t i = 0; i < n; ++i) {
    Src v;
    std::memcpy(&v, p + i * sizeof(Src), sizeof(Src));
    if (v > static_cast<Src>(std::numeric_limits<Dst>::max()))
      throw Error(where, "U64 value " + std::to_string(v) + " at element " + std::to_string(i) +
                             " exceeds int64 (torch has no uint64)");
    o[i] = static_cast<Dst>(v);
  }
  return out;
}

void write_file(const std::string& path, const std::vector<std::pair<std::string, const at::Tensor*>>& entries,
                const SaveOptions& opt) {
  std::vector<TensorSpec> specs;
  std::map<std::string, const at::Tensor*> by_name;
  for (const auto& [name, t] : entries) {
    specs.push_back({name, stored_dtype_of(name, *t, opt), t->sizes().vec()});
    by_name[name] = t;
  }
  std::vector<TensorInfo> order;
  const std::string header = layout_header(specs, opt.metadata, order, path);
  AtomicFile f(path);
  f.write(header.data(), header.size());
  for (const auto& info : order) {
    at::Tensor c = by_name.at(info.name)->detach().cpu().contiguous();
    check(static_cast<uint64_t>(c.nbytes()) == info.nbytes(), tensor_where(path, info.name), "byte size mismatch");
    if (info.nbytes() > 0) f.write(c.data_ptr(), info.nbytes());
  }
  f.commit();
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path), map_(MappedFile::open(path)) {
  header_ = parse_header(map_->data(), map_->size(), path);
}

const uint8_t* SafetensorsFile::bytes(const TensorInfo& t) const {
  return map_->data() + header_.data_start + t.begin;
}

void SafetensorsFile::release(const std::string& name) const {
  // madvise(MADV_DONTNEED) on the pages wholly inside the tensor's bytes: in this private mapping a
  // page never written is read from the file again if touched; a page written through a view
  // would lose the change (loaders that release never write).
  const TensorInfo& t = info(name);
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(bytes(t)), end = begin + t.nbytes();
  const uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
  const TensorInfo* t = header_.find(name);
  check(t != nullptr, tensor_where(path_, name), "not in this file");
  return *t;
}

at::Tensor SafetensorsFile::tensor(const std::string& name, const LoadOptions& opt) const {
  const TensorInfo& t = info(name);
  const std::string where = tensor_where(path_, name);
  const uint8_t* p = bytes(t);
  at::Tensor out;
  switch (t.dtype) {
    case DType::F8_E4M3:
    case DType::F8_E5M2: {
      at::Tensor raw = at::from_blob(const_cast<uint8_t*>(p), t.shape, at::TensorOptions().dtype(at::kByte));
      out = t.dtype == DType::F8_E4M3 ? decode_e4m3_tensor(raw) : decode_e5m2_tensor(raw);
      break;
    }
    case DType::U16: out = widen<uint16_t, int32_t>(p, t.shape, at::kInt, where); break;
    case DType::U32: out = widen<uint32_t, int64_t>(p, t.shape, at::kLong, where); break;
    case DType::U64: out = widen<uint64_t, int64_t>(p, t.shape, at::kLong, where); break;
    default: {
      const at::ScalarType st = *torch_dtype(t.dtype);
      const auto options = at::TensorOptions().dtype(st);
      if (t.nbytes() == 0) {
        out = at::empty(t.shape, options);
      } else if (reinterpret_cast<uintptr_t>(p) % dtype_size(t.dtype) == 0) {
        std::shared_ptr<const MappedFile> keep = map_;
        out = at::from_blob(const_cast<uint8_t*>(p), t.shape, [keep](void*) {}, options);
      } else {
        out = at::empty(t.shape, options);
        std::memcpy(out.data_ptr(), p, t.nbytes());
      }
      if (t.dtype == DType::BOOL) {
        for (uint64_t i = 0; i < t.nbytes(); ++i)
          check(p[i] <= 1, where, "BOOL byte " + std::to_string(i) + " is " + std::to_string(p[i]) + ", not 0 or 1");
      }
    }
  }
  if (opt.float_dtype && dtype_is_float(t.dtype) && out.scalar_type() != *opt.float_dtype)
    out = out.to(*opt.float_dtype);
  return out;
}

TensorMap SafetensorsFile::tensors(const LoadOptions& opt) const {
  TensorMap m;
  for (const auto& t : header_.tensors) m.emplace(t.name, tensor(t.name, opt));
  return m;
}

ShardLayout shard_layout(const std::string& dir) {
  ShardLayout layout;
  const fs::path single = fs::path(dir) / kSingleFileName;
  const fs::path index = fs::path(dir) / kIndexFileName;
  if (fs::exists(single)) {
    layout.files.push_back(single.string());
    return layout;
  }
  check(fs::exists(index), dir, std::string("no ") + kSingleFileName + " or " + kIndexFileName + " in this directory");
  const std::string where = index.string();
  json j;
  try {
    j = json::parse(read_file(where));
  } catch (const json::exception& e) {
    throw Error(where, std::string("invalid JSON: ") + e.what());
  }
  check(j.is_object() && j.contains("weight_map") && j["weight_map"].is_object(), where,
        "must be an object with a \"weight_map\" object");
  std::set<std::string> seen;
  for (const auto& [name, file] : j["weight_map"].items()) {
    check(file.is_string(), where, "weight_map entry for tensor '" + name + "' must be a file name");
    const std::string f = file.get<std::string>();
    check(!f.empty() && f.find('/') == std::string::npos && f != "." && f != "..", where,
          "weight_map entry for tensor '" + name + "' is not a plain file name: '" + f + "'");
    layout.weight_map[name] = f;
    if (seen.insert(f).second) layout.files.push_back((fs::path(dir) / f).string());
  }
  return layout;
}

MappedTensors open_safetensors(const std::string& path) {
  MappedTensors m;
  auto add_file = [&](const std::string& file) {
    m.files.push_back(std::make_shared<const SafetensorsFile>(file));
    return m.files.back().get();
  };
  if (!fs::is_directory(path)) {
    const SafetensorsFile* f = add_file(path);
    for (const auto& t : f->header().tensors) m.file_of[t.name] = f;
    return m;
  }
  const ShardLayout layout = shard_layout(path);
  const std::string index = (fs::path(path) / kIndexFileName).string();
  for (const auto& file : layout.files) {
    const SafetensorsFile* shard = add_file(file);
    const std::string name_in_index = fs::path(file).filename().string();
    for (const auto& t : shard->header().tensors) {
      if (!layout.weight_map.empty()) {
        auto it = layout.weight_map.find(t.name);
        check(it != layout.weight_map.end(), tensor_where(file, t.name), "is not listed in " + index);
        check(it->second == name_in_index, tensor_where(file, t.name),
              "is listed in " + index + " under another shard, '" + it->second + "'");
      }
      m.file_of[t.name] = shard;
    }
  }
  for (const auto& [name, file] : layout.weight_map)
    check(m.file_of.count(name) == 1, index + ": tensor '" + name + "'", "listed for shard '" + file + "' but not in it");
  return m;
}

TensorMap load_safetensors(const std::string& path, const LoadOptions& opt) {
  const MappedTensors m = open_safetensors(path);
  TensorMap out;
  for (const auto& [name, file] : m.file_of) out.emplace(name, file->tensor(name, opt));
  return out;
}

DType stored_dtype_of(const std::string& name, const at::Tensor& t, const SaveOptions& opt) {
  const std::string where = "tensor '" + name + "'";
  auto it = opt.stored_dtype.find(name);
  if (it != opt.stored_dtype.end()) {
    check(static_cast<size_t>(t.element_size()) == dtype_size(it->second), where,
          std::string("cannot store ") + c10::toString(t.scalar_type()) + " elements as " + dtype_name(it->second) +
              " (element sizes differ)");
    return it->second;
  }
  switch (t.scalar_type()) {
    case at::kBool: return DType::BOOL;
    case at::kByte: return DType::U8;
    case at::kChar: return DType::I8;
    case at::kShort: return DType::I16;
    case at::kInt: return DType::I32;
    case at::kLong: return DType::I64;
    case at::kHalf: return DType::F16;
    case at::kBFloat16: return DType::BF16;
    case at::kFloat: return DType::F32;
    case at::kDouble: return DType::F64;
    default:
      throw Error(where, std::string("dtype ") + c10::toString(t.scalar_type()) + " cannot be stored in safetensors");
  }
}

void save_safetensors(const std::string& path, const TensorMap& tensors, const SaveOptions& opt) {
  std::vector<std::pair<std::string, const at::Tensor*>> entries;
  for (const auto& [name, t] : tensors) entries.emplace_back(name, &t);
  write_file(path, entries, opt);
}

std::vector<std::string> save_safetensors_dir(const std::string& dir, const TensorMap& tensors,
                                              uint64_t max_shard_bytes, const SaveOptions& opt) {
  make_dirs(dir);
  std::vector<std::vector<std::pair<std::string, const at::Tensor*>>> shards(1);
  uint64_t shard_bytes = 0, total = 0;
  for (const auto& [name, t] : tensors) {
    const uint64_t nb = static_cast<uint64_t>(t.numel()) * t.element_size();
    if (max_shard_bytes > 0 && !shards.back().empty() && shard_bytes + nb > max_shard_bytes) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().emplace_back(name, &t);
    shard_bytes += nb;
    total += nb;
  }
  const fs::path single = fs::path(dir) / kSingleFileName;
  const fs::path index = fs::path(dir) / kIndexFileName;
  if (shards.size() == 1) {
    write_file(single.string(), shards[0], opt);
    fs::remove(index);  // a stale index would shadow nothing, but would confuse readers
    return {kSingleFileName};
  }
  std::vector<std::string> names;
  json weight_map = json::object();
  for (size_t i = 0; i < shards.size(); ++i) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "model-%05zu-of-%05zu.safetensors", i + 1, shards.size());
    names.push_back(buf);
    write_file((fs::path(dir) / buf).string(), shards[i], opt);
    for (const auto& e : shards[i]) weight_map[e.first] = buf;
  }
  json idx = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
  write_file_atomic(index.string(), idx.dump(2) + "\n");
  fs::remove(single);  // the single file would take precedence over the index
  names.push_back(kIndexFileName);
  return names;
}

}  // namespace r1::io
