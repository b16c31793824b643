#include "core/schema.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace r1::schema {
namespace {

// Bounds print as integers when they are ("2", not "2.0").
std::string number_text(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  if (x == std::floor(x) && std::fabs(x) < 1e15) return std::to_string(static_cast<long long>(x));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string last_part(const std::string& key) {
  const size_t dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

}  // namespace

Rule Rule::operator|(const Rule& o) const {
  Rule r = *this;
  if (o.min) r.min = o.min, r.min_open = o.min_open;
  if (o.max) r.max = o.max, r.max_open = o.max_open;
  if (!o.choices.empty()) r.choices = o.choices;
  r.nonfinite_ok = nonfinite_ok || o.nonfinite_ok;
  r.required = required || o.required;
  r.affects_results = affects_results && o.affects_results;
  return r;
}

bool Rule::allows(double x) const {
  if (std::isnan(x)) return nonfinite_ok || (!min && !max);
  if (min && (min_open ? !(x > *min) : !(x >= *min))) return false;
  if (max && (max_open ? !(x < *max) : !(x <= *max))) return false;
  return true;
}

std::string Rule::range_text() const {
  if (!choices.empty()) {
    std::string s;
    for (const auto& c : choices) s += (s.empty() ? "" : ", ") + (c.empty() ? std::string("\"\"") : c);
    return "one of " + s;
  }
  if (min && max)
    return std::string("in ") + (min_open ? "(" : "[") + number_text(*min) + ", " + number_text(*max) +
           (max_open ? ")" : "]");
  if (min) return (min_open ? "> " : ">= ") + number_text(*min);
  if (max) return (max_open ? "< " : "<= ") + number_text(*max);
  return "";
}

namespace {
Rule bounds(std::optional<double> lo, bool lo_open, std::optional<double> hi, bool hi_open) {
  Rule r;
  r.min = lo;
  r.min_open = lo_open;
  r.max = hi;
  r.max_open = hi_open;
  return r;
}
}  // namespace

Rule at_least(double lo) { return bounds(lo, false, std::nullopt, false); }
Rule above(double lo) { return bounds(lo, true, std::nullopt, false); }
Rule at_most(double hi) { return bounds(std::nullopt, false, hi, false); }
Rule closed(double lo, double hi) { return bounds(lo, false, hi, false); }
Rule open_closed(double lo, double hi) { return bounds(lo, true, hi, false); }
Rule closed_open(double lo, double hi) { return bounds(lo, false, hi, true); }
Rule one_of(std::vector<std::string> choices) {
  Rule r;
  r.choices = std::move(choices);
  return r;
}

const Rule kRequired = [] {
  Rule r;
  r.required = true;
  return r;
}();
const Rule kNotResult = [] {
  Rule r;
  r.affects_results = false;
  return r;
}();
const Rule kNonFiniteOk = [] {
  Rule r;
  r.nonfinite_ok = true;
  return r;
}();

std::string suggest_key(const std::string& key, const std::vector<std::string>& known, bool as_option) {
  const std::string dash = as_option ? "--" : "";
  std::string underscored = key;
  std::replace(underscored.begin(), underscored.end(), '-', '_');
  if (underscored != key && std::find(known.begin(), known.end(), underscored) != known.end())
    return " (keys are spelled with underscores: " + dash + underscored + ")";
  std::vector<std::string> close;
  for (const auto& k : known)  // --top_p in a command whose key is rl.top_p
    if (k != underscored && last_part(k) == last_part(underscored)) close.push_back(k);
  if (close.empty()) {  // the nearest keys, if within a few edits
    size_t best = std::max<size_t>(2, underscored.size() / 4);
    for (const auto& k : known) {
      const size_t d = edit_distance(underscored, k);
      if (d > best) continue;
      if (d < best) best = d, close.clear();
      close.push_back(k);
    }
  }
  if (close.empty()) return "";
  if (close.size() > 4) close.resize(4);
  std::string s;
  for (size_t i = 0; i < close.size(); ++i)
    s += (i == 0 ? "" : i + 1 == close.size() ? " or " : ", ") + dash + close[i];
  return " (did you mean " + s + "?)";
}

std::string show_value(const json& v) {
  if (v.is_number_float()) return number_text(v.get<double>());
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

json text_to_json(const std::string& text, Kind kind) {
  switch (kind) {
    case Kind::kBool:
      if (text == "true") return true;
      if (text == "false") return false;
      return text;
    case Kind::kInt:
    case Kind::kFloat: {
      json j = json::parse(text, nullptr, false);
      if (!j.is_discarded() && j.is_number()) return j;
      if (kind == Kind::kFloat && !text.empty()) {  // nan, inf, .5: read, then judged by the rule
        char* end = nullptr;
        const double d = std::strtod(text.c_str(), &end);
        if (end == text.c_str() + text.size()) return d;
      }
      return text;
    }
    case Kind::kList: {
      if (!text.empty() && text.front() == '[') {
        json j = json::parse(text, nullptr, false);
        return j.is_discarded() ? json(text) : j;
      }
      json list = json::array();
      for (size_t start = 0; start <= text.size();) {
        const size_t comma = std::min(text.find(',', start), text.size());
        if (comma > start) list.push_back(text.substr(start, comma - start));
        start = comma + 1;
      }
      return list;
    }
    default:
      return text;
  }
}

std::optional<std::string> first_difference(const json& expected, const json& actual, const std::string& prefix) {
  if (expected.is_object()) {
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
      if (!actual.is_object() || !actual.contains(it.key()))
        return key + ": absent in the run directory, " + show_value(it.value()) + " now";
      if (auto d = first_difference(it.value(), actual.at(it.key()), key)) return d;
    }
    return std::nullopt;
  }
  if (expected == actual) return std::nullopt;
  return prefix + ": " + show_value(actual) + " in the run directory, " + show_value(expected) + " now";
}

std::string options_help(const std::vector<KeyInfo>& keys) {
  std::string out;
  for (const auto& k : keys) {
    if (k.kind == Kind::kGroup) {
      out += "\n  " + k.key + ".*: " + k.doc + "\n";
      continue;
    }
    std::string head = "  --" + k.key + " <" + k.type + ">";
    std::string facts;
    const bool empty_default = (k.value.is_string() && k.value.get<std::string>().empty()) ||
                               (k.value.is_array() && k.value.empty());
    if (k.rule.required && empty_default) {
      facts = "required";
    } else {
      std::string def = k.value.is_string() && !k.value.get<std::string>().empty() ? k.value.get<std::string>()
                                                                                    : show_value(k.value);
      if (k.kind == Kind::kList) {
        def.clear();
        for (const auto& e : k.value) def += (def.empty() ? "" : ",") + e.get<std::string>();
        if (def.empty()) def = "(none)";
      }
      facts = "default " + def;
    }
    const std::string range = k.kind == Kind::kEnum ? "" : k.rule.range_text();
    if (!range.empty()) facts += "; " + range;
    if (k.rule.required && !empty_default) facts += "; not empty";
    out += head + (head.size() < 40 ? std::string(40 - head.size(), ' ') : "  ") + facts + "\n";
    out += "        " + k.doc + "\n";
  }
  return out;
}

void throw_type_error(const std::string& key, const std::string& expected, const json& got, const std::string& source) {
  throw UsageError(key, "expects " + expected + ", got " + show_value(got) + " (from " + source + ")");
}

namespace detail {

void JsonReader::finish() const {
  for (auto it = obj_.begin(); it != obj_.end(); ++it) {
    if (seen_.count(it.key())) continue;
    const std::string dotted = join_key(prefix_, it.key());
    throw UsageError(dotted, "unknown key (from " + source_ + ")" +
                                 (all_keys_ ? suggest_key(dotted, *all_keys_, /*as_option=*/false) : ""));
  }
}

void Validator::check_choice(const std::string& dotted, const std::string& value, const Rule& rule) const {
  if (rule.choices.empty() || std::find(rule.choices.begin(), rule.choices.end(), value) != rule.choices.end()) return;
  fail(dotted, "must be " + rule.range_text() + "; got " + show_value(value));
}

void Validator::fail(const std::string& dotted, const std::string& what) const {
  std::string from;
  if (sources_) {
    auto it = sources_->find(dotted);
    if (it != sources_->end()) from = " (from " + it->second + ")";
  }
  throw UsageError(dotted, what + from);
}

}  // namespace detail
}  // namespace r1::schema
