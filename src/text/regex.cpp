#define PCRE2_CODE_UNIT_WIDTH 8
#include "text/regex.h"

#include <pcre2.h>

#include "core/error.h"

namespace r1::text {

struct Regex::Code {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Code() { pcre2_code_free(code); }
};

Regex::Regex(const std::string& pattern, const std::string& where)
    : pattern_(pattern), code_(std::make_shared<Code>()) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  code_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                              PCRE2_UTF | PCRE2_UCP, &err, &offset, nullptr);
  if (!code_->code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    throw Error(where, "invalid regex /" + pattern + "/ at offset " + std::to_string(offset) +
                           ": " + reinterpret_cast<const char*>(msg));
  }
  code_->jit = pcre2_jit_compile(code_->code, PCRE2_JIT_COMPLETE) == 0;
}

namespace {

// One JIT stack per thread, large enough for patterns like \s+(?!\S) over long whitespace runs
// (the 32 KiB default overflows there).
pcre2_match_context* thread_match_context() {
  struct Ctx {
    pcre2_jit_stack* stack = pcre2_jit_stack_create(64 * 1024, 8 * 1024 * 1024, nullptr);
    pcre2_match_context* ctx = pcre2_match_context_create(nullptr);
    Ctx() { pcre2_jit_stack_assign(ctx, nullptr, stack); }
    ~Ctx() {
      pcre2_match_context_free(ctx);
      pcre2_jit_stack_free(stack);
    }
  };
  thread_local Ctx c;
  return c.ctx;
}

}  // namespace

std::vector<std::pair<size_t, size_t>> Regex::find_all(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> out;
  pcre2_match_context* ctx = thread_match_context();
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t pos = 0;
  // The subject was validated once by the caller; skip PCRE2's per-call UTF check.
  const uint32_t opts = PCRE2_NO_UTF_CHECK;
  while (pos <= text.size()) {
    const int rc = code_->jit ? pcre2_jit_match(code_->code, subject, text.size(), pos, opts, md, ctx)
                              : pcre2_match(code_->code, subject, text.size(), pos, opts, md, ctx);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {  // a resource limit: never tokenize silently differently
      pcre2_match_data_free(md);
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(rc, msg, sizeof msg);
      throw Error("regex /" + pattern_ + "/", std::string("match failed on a ") +
                                                   std::to_string(text.size()) + "-byte text: " +
                                                   reinterpret_cast<const char*>(msg));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    const size_t b = ov[0], e = ov[1];
    if (e > b) {
      out.emplace_back(b, e);
      pos = e;
    } else {
      // Empty match: step one code point forward.
      pos = b + 1;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
    }
  }
  pcre2_match_data_free(md);
  return out;
}

Regex::Matches Regex::match_all(std::string_view text, uint32_t match_limit) const {
  Matches out;
  pcre2_match_context* ctx = thread_match_context();
  pcre2_set_match_limit(ctx, match_limit > 0 ? match_limit : 10000000);
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const uint32_t opts = PCRE2_NO_UTF_CHECK;
  size_t pos = 0;
  while (pos <= text.size()) {
    const int rc = code_->jit ? pcre2_jit_match(code_->code, subject, text.size(), pos, opts, md, ctx)
                              : pcre2_match(code_->code, subject, text.size(), pos, opts, md, ctx);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      out.limit_hit = true;
      break;
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    const uint32_t pairs = pcre2_get_ovector_count(md);
    Match m;
    m.spans.reserve(pairs);
    for (uint32_t k = 0; k < pairs; ++k) {
      const bool set = ov[2 * k] != PCRE2_UNSET;
      m.spans.emplace_back(set ? ov[2 * k] : std::string_view::npos, set ? ov[2 * k + 1] : std::string_view::npos);
    }
    const size_t b = ov[0], e = ov[1];
    out.matches.push_back(std::move(m));
    pos = e;
    if (e == b) {  // empty match: step one code point forward
      pos = b + 1;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
    }
  }
  pcre2_set_match_limit(ctx, 10000000);
  pcre2_match_data_free(md);
  return out;
}

int Regex::group_number(const std::string& name) const {
  const int n = pcre2_substring_number_from_name(code_->code, reinterpret_cast<PCRE2_SPTR>(name.c_str()));
  return n > 0 ? n : -1;
}

std::string regex_escape(std::string_view literal) {
  std::string out;
  for (char c : literal) {
    if (std::string_view("\\^$.|?*+()[]{}-/").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace r1::text
