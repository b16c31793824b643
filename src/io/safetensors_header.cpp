#include "io/safetensors_header.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sys/stat.h>

#include "core/error.h"

namespace r1::io {
namespace {

using json = nlohmann::json;

struct DTypeRow {
  DType dtype;
  const char* name;
  size_t size;
  bool is_float;
};
constexpr DTypeRow kDTypes[] = {
    {DType::BOOL, "BOOL", 1, false},   {DType::U8, "U8", 1, false},   {DType::I8, "I8", 1, false},
    {DType::F8_E5M2, "F8_E5M2", 1, true}, {DType::F8_E4M3, "F8_E4M3", 1, true}, {DType::I16, "I16", 2, false},
    {DType::U16, "U16", 2, false},     {DType::F16, "F16", 2, true},  {DType::BF16, "BF16", 2, true},
    {DType::I32, "I32", 4, false},     {DType::U32, "U32", 4, false}, {DType::F32, "F32", 4, true},
    {DType::F64, "F64", 8, true},      {DType::I64, "I64", 8, false}, {DType::U64, "U64", 8, false},
};

const DTypeRow& row(DType d) { return kDTypes[static_cast<size_t>(d)]; }

std::string tensor_where(const std::string& file, const std::string& name) {
  return file + ": tensor '" + name + "'";
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The structure is at most root object -> tensor object -> shape array -> number; anything deeper
// is malformed, and refusing it early keeps a hostile header from building deep trees.
constexpr int kMaxDepth = 3;

// Parses the header JSON, refusing duplicate keys at any level (nlohmann would keep the last one).
json parse_json_strict(std::string_view text, const std::string& file) {
  std::vector<std::set<std::string>> keys;  // one set per open object
  auto cb = [&](int depth, json::parse_event_t event, json& parsed) -> bool {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth > kMaxDepth) throw Error(file, "header JSON nested deeper than a safetensors header can be");
        if (event == json::parse_event_t::object_start) keys.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case json::parse_event_t::key: {
        const std::string& k = parsed.get_ref<const std::string&>();
        if (!keys.empty() && !keys.back().insert(k).second)
          throw Error(depth <= 1 ? tensor_where(file, k) : file, "duplicate key '" + k + "' in the header");
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), cb);
  } catch (const json::exception& e) {
    throw Error(file, std::string("header is not valid JSON: ") + e.what());
  }
}

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void write_u64_le(uint64_t v, char* p) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t as_offset(const json& v, const std::string& where, const char* what) {
  check(v.is_number_unsigned(), where, std::string(what) + " must be a non-negative integer, got " + v.dump());
  return v.get<uint64_t>();
}

TensorInfo parse_tensor(const std::string& name, const json& v, uint64_t data_bytes, const std::string& file) {
  const std::string where = tensor_where(file, name);
  check(v.is_object(), where, "entry must be an object with dtype, shape and data_offsets");
  TensorInfo t;
  t.name = name;

  auto dt = v.find("dtype");
  check(dt != v.end() && dt->is_string(), where, "missing or non-string \"dtype\"");
  auto parsed = dtype_from_name(dt->get_ref<const std::string&>());
  check(parsed.has_value(), where, "unknown dtype '" + dt->get<std::string>() + "'");
  t.dtype = *parsed;

  auto sh = v.find("shape");
  check(sh != v.end() && sh->is_array(), where, "missing or non-array \"shape\"");
  uint64_t numel = 1;
  for (const json& d : *sh) {
    uint64_t n = as_offset(d, where, "a shape entry");
    check(n <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), where, "shape entry too large");
    t.shape.push_back(static_cast<int64_t>(n));
    check(!__builtin_mul_overflow(numel, n, &numel), where, "shape " + shape_str(t.shape) + " overflows");
  }
  uint64_t nbytes = 0;
  check(!__builtin_mul_overflow(numel, static_cast<uint64_t>(row(t.dtype).size), &nbytes), where,
        "shape " + shape_str(t.shape) + " overflows");

  auto off = v.find("data_offsets");
  check(off != v.end() && off->is_array() && off->size() == 2, where,
        "\"data_offsets\" must be an array [begin, end]");
  t.begin = as_offset((*off)[0], where, "data_offsets begin");
  t.end = as_offset((*off)[1], where, "data_offsets end");
  const std::string span = "data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) + "]";
  check(t.begin <= t.end, where, span + ": begin is past end");
  check(t.end <= data_bytes, where,
        span + " run past the end of the data section (" + std::to_string(data_bytes) + " bytes; file truncated?)");
  check(t.end - t.begin == nbytes, where,
        "shape " + shape_str(t.shape) + " of " + row(t.dtype).name + " needs " + std::to_string(nbytes) +
            " bytes but " + span + " span " + std::to_string(t.end - t.begin));
  return t;
}

}  // namespace

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& r : kDTypes)
    if (name == r.name) return r.dtype;
  return std::nullopt;
}
const char* dtype_name(DType d) { return row(d).name; }
size_t dtype_size(DType d) { return row(d).size; }
bool dtype_is_float(DType d) { return row(d).is_float; }

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

const TensorInfo* Header::find(std::string_view name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

Header parse_header(const uint8_t* data, size_t size, const std::string& file) {
  check(size >= 8, file,
        "truncated: " + std::to_string(size) + " bytes, but a safetensors file starts with an 8-byte header length");
  Header h;
  h.header_bytes = read_u64_le(data);
  check(h.header_bytes <= kMaxHeaderBytes, file,
        "header length " + std::to_string(h.header_bytes) + " exceeds the 100 MB cap (corrupt or not safetensors)");
  check(h.header_bytes <= size - 8, file,
        "header length " + std::to_string(h.header_bytes) + " runs past the end of the file (" +
            std::to_string(size) + " bytes; truncated?)");
  h.data_start = 8 + h.header_bytes;
  const uint64_t data_bytes = size - h.data_start;

  json j = parse_json_strict(std::string_view(reinterpret_cast<const char*>(data + 8), h.header_bytes), file);
  check(j.is_object(), file, "header must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key == "__metadata__") {
      if (value.is_null()) continue;
      check(value.is_object(), file, "\"__metadata__\" must be an object of strings");
      for (const auto& [mk, mv] : value.items()) {
        check(mv.is_string(), file, "\"__metadata__\" value of '" + mk + "' must be a string");
        h.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    h.tensors.push_back(parse_tensor(key, value, data_bytes, file));
  }

  // The tensors must tile [0, data_bytes) exactly, as the reference validator requires.
  std::sort(h.tensors.begin(), h.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  const TensorInfo* prev = nullptr;
  for (const auto& t : h.tensors) {
    if (t.begin < expected)
      throw Error(tensor_where(file, t.name), "data_offsets [" + std::to_string(t.begin) + ", " +
                                                  std::to_string(t.end) + "] overlap tensor '" + prev->name + "'");
    if (t.begin > expected)
      throw Error(tensor_where(file, t.name), "gap of " + std::to_string(t.begin - expected) +
                                                  " bytes before data_offsets begin " + std::to_string(t.begin) +
                                                  " (offsets must tile the data section)");
    expected = t.end;
    prev = &t;
  }
  check(expected == data_bytes, file,
        std::to_string(data_bytes - expected) + " bytes after the last tensor" +
            (prev ? " ('" + prev->name + "')" : std::string()) + ": data section is " + std::to_string(data_bytes) +
            " bytes, tensors cover " + std::to_string(expected));
  h.data_bytes = data_bytes;
  return h;
}

Header read_header_only(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  check(in.good(), path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  check(::stat(path.c_str(), &st) == 0, path, std::string("cannot stat: ") + std::strerror(errno));
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  std::vector<uint8_t> buf(8, 0);
  in.read(reinterpret_cast<char*>(buf.data()), 8);
  if (static_cast<uint64_t>(in.gcount()) == 8) {
    const uint64_t n = read_u64_le(buf.data());
    if (n <= kMaxHeaderBytes && n <= size - 8) {
      buf.resize(8 + n);
      in.read(reinterpret_cast<char*>(buf.data() + 8), static_cast<std::streamsize>(n));
      check(static_cast<uint64_t>(in.gcount()) == n, path, "short read of the header");
    }
  }
  // parse_header reads past the 8 length bytes only when N fits the file, and then buf holds them;
  // every length problem is reported there against the real file size.
  return parse_header(buf.data(), size, path);
}

std::string layout_header(const std::vector<TensorSpec>& specs, const std::map<std::string, std::string>& metadata,
                          std::vector<TensorInfo>& out_order, const std::string& file) {
  std::vector<const TensorSpec*> order;
  for (const auto& s : specs) order.push_back(&s);
  std::sort(order.begin(), order.end(), [](const TensorSpec* a, const TensorSpec* b) {
    return a->dtype != b->dtype ? a->dtype > b->dtype : a->name < b->name;
  });
  out_order.clear();
  std::string text = "{";
  try {
    if (!metadata.empty()) text += "\"__metadata__\":" + json(metadata).dump() + ",";
  } catch (const json::exception& e) {
    throw Error(file, std::string("__metadata__ is not valid UTF-8: ") + e.what());
  }
  uint64_t offset = 0;
  std::set<std::string> seen;
  for (size_t i = 0; i < order.size(); ++i) {
    const TensorSpec& s = *order[i];
    const std::string where = tensor_where(file, s.name);
    check(s.name != "__metadata__", where, "name is reserved for the metadata");
    check(seen.insert(s.name).second, where, "duplicate tensor name");
    TensorInfo t;
    t.name = s.name;
    t.dtype = s.dtype;
    t.shape = s.shape;
    uint64_t numel = 1;
    for (int64_t d : s.shape) {
      check(d >= 0, where, "negative dimension in shape " + shape_str(s.shape));
      numel *= static_cast<uint64_t>(d);
    }
    t.begin = offset;
    t.end = offset + numel * dtype_size(s.dtype);
    offset = t.end;
    std::string key;
    try {
      key = json(s.name).dump();
    } catch (const json::exception& e) {
      throw Error(where, std::string("name is not valid UTF-8: ") + e.what());
    }
    text += key + ":{\"dtype\":\"" + dtype_name(s.dtype) + "\",\"shape\":" + json(s.shape).dump() +
            ",\"data_offsets\":[" + std::to_string(t.begin) + "," + std::to_string(t.end) + "]}";
    text += (i + 1 < order.size()) ? "," : "";
    out_order.push_back(std::move(t));
  }
  if (text.back() == ',') text.pop_back();  // metadata only
  text += "}";
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  write_u64_le(text.size(), out.data());
  return out + text;
}

}  // namespace r1::io
