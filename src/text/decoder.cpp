#include "text/decoder.h"

#include "core/error.h"
#include "text/byte_level.h"
#include "text/utf8.h"

namespace r1::text {
namespace {

// HF ByteLevel decoder: a token whose chars are all in the byte mapping becomes those bytes; any
// other token is kept as its UTF-8 text (e.g. "<｜User｜>"). Joined, then lossily UTF-8 decoded.
class ByteLevelDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string bytes;
    for (const auto& t : tokens) {
      const size_t mark = bytes.size();
      if (!byte_level::decode_append(t, bytes)) {
        bytes.resize(mark);
        bytes += t;
      }
    }
    return {utf8::lossy(bytes)};
  }
};

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (const auto& p : parts_) tokens = p->decode_chain(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

// Replace (String pattern only, as the Llama/Metaspace files use it).
class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(std::string from, std::string to) : from_(std::move(from)), to_(std::move(to)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (auto& t : tokens) {
      std::string out;
      size_t pos = 0;
      for (size_t b; (b = t.find(from_, pos)) != std::string::npos; pos = b + from_.size())
        out.append(t, pos, b - pos).append(to_);
      out.append(t, pos, std::string::npos);
      t = std::move(out);
    }
    return tokens;
  }

 private:
  std::string from_, to_;
};

class FuseDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string all;
    for (const auto& t : tokens) all += t;
    return {all};
  }
};

// Strip `content` (a char) up to `start` times from the left and `stop` times from the right.
class StripDecoder : public Decoder {
 public:
  StripDecoder(std::string content, size_t start, size_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (auto& t : tokens) {
      size_t b = 0, e = t.size();
      for (size_t i = 0; i < start_ && t.compare(b, content_.size(), content_) == 0 && b < e; ++i)
        b += content_.size();
      for (size_t i = 0; i < stop_ && e >= b + content_.size() &&
                         t.compare(e - content_.size(), content_.size(), content_) == 0;
           ++i)
        e -= content_.size();
      t = t.substr(b, e - b);
    }
    return tokens;
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

// ByteFallback: runs of "<0xAB>" tokens become their bytes if they form valid UTF-8, else one
// U+FFFD per byte token.
class ByteFallbackDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    size_t pending_count = 0;
    const auto flush = [&] {
      if (!pending_count) return;
      if (utf8::is_valid(pending)) {
        out.push_back(pending);
      } else {
        for (size_t i = 0; i < pending_count; ++i) out.push_back("\xEF\xBF\xBD");
      }
      pending.clear();
      pending_count = 0;
    };
    for (auto& t : tokens) {
      unsigned v = 0;
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' &&
          std::sscanf(t.c_str() + 3, "%2X", &v) == 1) {
        pending.push_back(static_cast<char>(v));
        ++pending_count;
        continue;
      }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    return out;
  }
};

// Metaspace: "▁" becomes " "; the first token loses its leading space when prepend_scheme adds one.
class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool strip_first)
      : replacement_(std::move(replacement)), strip_first_(strip_first) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      const std::string& t = tokens[i];
      size_t pos = 0;
      for (size_t b; (b = t.find(replacement_, pos)) != std::string::npos;
           pos = b + replacement_.size())
        out.append(t, pos, b - pos).push_back(' ');
      out.append(t, pos, std::string::npos);
      if (i == 0 && strip_first_ && !out.empty() && out[0] == ' ') out.erase(0, 1);
      tokens[i] = std::move(out);
    }
    return tokens;
  }

 private:
  std::string replacement_;
  bool strip_first_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  check(j.is_object() && j.contains("type"), where, "decoder: expected an object with \"type\"");
  const std::string type = j.at("type").get<std::string>();
  try {
    if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
    if (type == "Sequence") {
      std::vector<std::unique_ptr<Decoder>> parts;
      for (const auto& d : j.at("decoders"))
        if (auto p = make_decoder(d, where)) parts.push_back(std::move(p));
      return std::make_unique<SequenceDecoder>(std::move(parts));
    }
    if (type == "Replace") {
      const auto& pat = j.at("pattern");
      if (!pat.contains("String"))
        throw Error(where, "decoder Replace: only String patterns are supported");
      return std::make_unique<ReplaceDecoder>(pat.at("String").get<std::string>(),
                                              j.at("content").get<std::string>());
    }
    if (type == "Fuse") return std::make_unique<FuseDecoder>();
    if (type == "Strip")
      return std::make_unique<StripDecoder>(j.at("content").get<std::string>(),
                                            j.value("start", 0), j.value("stop", 0));
    if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
    if (type == "Metaspace") {
      const std::string scheme = j.value("prepend_scheme", std::string(
                                     j.value("add_prefix_space", true) ? "always" : "never"));
      return std::make_unique<MetaspaceDecoder>(j.value("replacement", std::string("\xE2\x96\x81")),
                                                scheme != "never");
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(where, "decoder " + type + ": " + e.what());
  }
  throw Error(where, "unsupported decoder type \"" + type +
                         "\" (supported: ByteLevel, Sequence, Replace, Fuse, Strip, ByteFallback, "
                         "Metaspace)");
}

}  // namespace r1::text
