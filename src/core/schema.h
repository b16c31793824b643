// One schema per config struct. Beside each struct, a function
//
//   template <class V> void visit_fields(V& v, GrpoConfig& c) {
//     v.field("group_size", c.group_size, "G: completions sampled per prompt", at_least(2));
//     ...
//     v.require(c.epsilon_low < 1, "epsilon_low", "must be below 1");   // a cross-key rule
//   }
//
// lists every field once: its key, a one-line doc and its rule (range, choices, whether it changes a
// run's results). The visitors below turn that one list into the JSON mapping (a config file, the
// config.json of a run directory), command-line overrides (core/cli.h), validation with errors that
// name the user's key and the allowed range, `--help`, and the result-affecting part of a config
// (what a resumed run must agree on). A field is a bool, an integer, a float, a string, a list of
// strings, an enum with an `enum_names(E)` table, or a struct with its own visit_fields (a group of
// dotted keys); visit_fields is found by argument-dependent lookup, so it lives in the struct's
// namespace. Keys that apply only under another setting (DeepSeek-V3's keys beside `arch`) are
// visited inside `v.when(active, condition, [&](auto& v) { ... })`: --help lists them always, the
// JSON form and validation only while active, and setting one while inactive is a UsageError that
// names `condition`. Torch-free.
#pragma once
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"

namespace r1::schema {

using json = nlohmann::json;

// What a field allows beyond its type, and whether it takes part in a run's results. Rules combine
// with `|`: `at_least(1) | kNotResult`.
struct Rule {
  std::optional<double> min, max;  // bounds of a number
  bool min_open = false, max_open = false;
  std::vector<std::string> choices;  // a string (or every element of a list) must be one of these
  bool nonfinite_ok = false;         // a float may be NaN or infinite (floats must be finite otherwise)
  bool required = false;             // a string or list must not be empty
  // false: changes nothing a run computes (threads, logging, paths, which stages run), so a run
  // directory written with another value may still be resumed.
  bool affects_results = true;

  Rule operator|(const Rule& other) const;
  bool allows(double x) const;     // within the bounds
  std::string range_text() const;  // ">= 2", "in (0, 1]", "one of grpo, dapo, dr_grpo"; "" when free
};

Rule at_least(double lo);                // [lo, inf)
Rule above(double lo);                   // (lo, inf)
Rule at_most(double hi);                 // (-inf, hi]
Rule closed(double lo, double hi);       // [lo, hi]
Rule open_closed(double lo, double hi);  // (lo, hi]
Rule closed_open(double lo, double hi);  // [lo, hi)
Rule one_of(std::vector<std::string> choices);
extern const Rule kRequired;
extern const Rule kNotResult;
extern const Rule kNonFiniteOk;

// Where each value came from, by dotted key ("the command line (--rl.top_p 0)", "config file x.json"),
// so that an error about a value can say where to fix it.
using Sources = std::map<std::string, std::string>;

enum class Kind { kBool, kInt, kFloat, kString, kList, kEnum, kGroup };

// One key of a schema, as --help lists it.
struct KeyInfo {
  std::string key;   // dotted: "rl.group_size"
  Kind kind = Kind::kString;
  std::string type;  // "int", "float", "bool", "string", "list", "auto|force|never", "group"
  json value;        // its default (the value of the struct the keys were listed from)
  Rule rule;
  std::string doc;
};

// --- non-template helpers (schema.cpp) ----------------------------------------------------------

// " (did you mean --rl.top_p?)", naming the known keys closest to `key` (a dashed spelling of an
// underscored key, the same last part, or a small edit distance); "" when nothing is close.
// `as_option`: spell them as options (--rl.top_p) rather than config keys (rl.top_p).
std::string suggest_key(const std::string& key, const std::vector<std::string>& known, bool as_option = true);
// A value as an error message shows it: 0.5, "text", nan, [a, b].
std::string show_value(const json& v);
// The CLI's text for a key of `kind`, as JSON: a boolean, a number (NaN and inf included for floats),
// a list (a JSON array, or comma-separated), or the text itself; type checks come after.
json text_to_json(const std::string& text, Kind kind);
// The first leaf of `expected` that `actual` lacks or holds with another value: "pretrain.lr: 0.003
// in the run directory, 0.001 now"; nullopt when every leaf agrees. For comparing the result part of
// a config with the config.json of an existing run directory.
std::optional<std::string> first_difference(const json& expected, const json& actual, const std::string& prefix = "");
// The options section of --help: every key with its type, default, range and doc.
std::string options_help(const std::vector<KeyInfo>& keys);

[[noreturn]] void throw_type_error(const std::string& key, const std::string& expected, const json& got,
                                   const std::string& source);

namespace detail {

template <class T>
struct always_false : std::false_type {};

// A visitor that does nothing: detects whether a type has visit_fields.
struct Probe {
  template <class T>
  void field(const char*, T&, std::string_view, const Rule& = {}) {}
  void require(bool, const std::string&, const std::string&) {}
  template <class F>
  void require_call(const std::string&, F&&) {}
  template <class F>
  void when(bool, const char*, F&&) {}
};

template <class T, class = void>
struct has_fields : std::false_type {};
template <class T>
struct has_fields<T, std::void_t<decltype(visit_fields(std::declval<Probe&>(), std::declval<T&>()))>>
    : std::true_type {};

template <class T>
constexpr Kind kind_of() {
  if constexpr (std::is_same_v<T, bool>) return Kind::kBool;
  else if constexpr (std::is_enum_v<T>) return Kind::kEnum;
  else if constexpr (std::is_integral_v<T>) return Kind::kInt;
  else if constexpr (std::is_floating_point_v<T>) return Kind::kFloat;
  else if constexpr (std::is_same_v<T, std::string>) return Kind::kString;
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return Kind::kList;
  else if constexpr (has_fields<T>::value) return Kind::kGroup;
  else static_assert(always_false<T>::value,
                     "a config field is a bool, an integer, a float, a string, a list of strings, an enum "
                     "with enum_names(), or a struct with visit_fields()");
}

template <class E>
std::string enum_choices_text() {
  std::string s;
  for (const auto& [value, name] : enum_names(E{})) s += (s.empty() ? "" : "|") + std::string(name);
  return s;
}

template <class T>
std::string type_name() {
  constexpr Kind k = kind_of<T>();
  if constexpr (k == Kind::kEnum) return enum_choices_text<T>();
  else if constexpr (k == Kind::kBool) return "bool";
  else if constexpr (k == Kind::kInt) return "int";
  else if constexpr (k == Kind::kFloat) return "float";
  else if constexpr (k == Kind::kString) return "string";
  else if constexpr (k == Kind::kList) return "list";
  else return "group";
}

template <class T>
json value_to_json(const T& v) {
  if constexpr (std::is_enum_v<T>) {
    for (const auto& [value, name] : enum_names(T{}))
      if (value == v) return name;
    return nullptr;
  } else {
    return v;
  }
}

// `j` as a T, or a UsageError naming `key` and `source`.
template <class T>
T value_from_json(const json& j, const std::string& key, const std::string& source) {
  constexpr Kind k = kind_of<T>();
  if constexpr (k == Kind::kBool) {
    if (!j.is_boolean()) throw_type_error(key, "a boolean (true or false)", j, source);
    return j.get<bool>();
  } else if constexpr (k == Kind::kInt) {
    using L = std::numeric_limits<T>;
    const std::string want = std::is_unsigned_v<T> ? "a non-negative integer" : "an integer";
    if (j.is_number_unsigned()) {
      const uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(L::max())) throw_type_error(key, want + " up to " + std::to_string(L::max()), j, source);
      return static_cast<T>(u);
    }
    if (j.is_number_integer()) {
      const int64_t i = j.get<int64_t>();
      if ((std::is_unsigned_v<T> && i < 0) || (!std::is_unsigned_v<T> && (i < static_cast<int64_t>(L::min()) ||
                                                                           i > static_cast<int64_t>(L::max()))))
        throw_type_error(key, want + " in [" + std::to_string(L::min()) + ", " + std::to_string(L::max()) + "]", j,
                         source);
      return static_cast<T>(i);
    }
    if (j.is_number_float()) {  // 2.0 and 1e3 are integers; 1.5 is not
      const double d = j.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && d >= static_cast<double>(L::min()) &&
          d <= static_cast<double>(L::max()))
        return static_cast<T>(d);
    }
    throw_type_error(key, want, j, source);
  } else if constexpr (k == Kind::kFloat) {
    if (!j.is_number()) throw_type_error(key, "a number", j, source);
    return static_cast<T>(j.get<double>());
  } else if constexpr (k == Kind::kString) {
    if (!j.is_string()) throw_type_error(key, "a string", j, source);
    return j.get<std::string>();
  } else if constexpr (k == Kind::kList) {
    if (!j.is_array()) throw_type_error(key, "a list of strings", j, source);
    std::vector<std::string> out;
    for (const auto& e : j) {
      if (!e.is_string()) throw_type_error(key, "a list of strings", j, source);
      out.push_back(e.get<std::string>());
    }
    return out;
  } else if constexpr (k == Kind::kEnum) {
    if (j.is_string())
      for (const auto& [value, name] : enum_names(T{}))
        if (j.get<std::string>() == name) return value;
    throw_type_error(key, "one of " + enum_choices_text<T>(), j, source);
  } else {
    static_assert(always_false<T>::value, "groups are read by JsonReader");
  }
}

inline std::string join_key(const std::string& prefix, std::string_view key) {
  if (key.empty()) return prefix;  // a rule about the whole group
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

// Visitors that check nothing.
struct NoChecks {
  void require(bool, const std::string&, const std::string&) {}
  template <class F>
  void require_call(const std::string&, F&&) {}
};

// Lists every key (groups too) with its type, default, rule and doc.
class KeyCollector : public NoChecks {
 public:
  explicit KeyCollector(std::vector<KeyInfo>* out, std::string prefix = "") : out_(out), prefix_(std::move(prefix)) {}
  template <class T>
  void field(const char* key, T& value, std::string_view doc, const Rule& rule = {}) {
    const std::string dotted = join_key(prefix_, key);
    constexpr Kind k = kind_of<T>();
    if constexpr (k == Kind::kGroup) {
      out_->push_back({dotted, k, "group", json(), rule, std::string(doc)});
      KeyCollector sub(out_, dotted);
      visit_fields(sub, value);
    } else {
      out_->push_back({dotted, k, type_name<T>(), value_to_json(value), rule, std::string(doc)});
    }
  }
  template <class F>
  void when(bool, const char*, F&& visit) {
    visit(*this);
  }

 private:
  std::vector<KeyInfo>* out_;
  std::string prefix_;
};

// The keys (relative, first level) that a `when` block visits.
template <class F>
std::vector<std::string> keys_of(F&& visit) {
  std::vector<KeyInfo> infos;
  KeyCollector k(&infos);
  visit(k);
  std::vector<std::string> names;
  for (const auto& i : infos)
    if (i.key.find('.') == std::string::npos) names.push_back(i.key);
  return names;
}

// Writes every field (or, with only_results, only the result-affecting ones) as JSON.
class JsonWriter : public NoChecks {
 public:
  JsonWriter(json* out, bool only_results) : out_(out), only_results_(only_results) { *out_ = json::object(); }
  template <class T>
  void field(const char* key, T& value, std::string_view, const Rule& rule = {}) {
    if (only_results_ && !rule.affects_results) return;
    if constexpr (kind_of<T>() == Kind::kGroup) {
      json sub;
      JsonWriter w(&sub, only_results_);
      visit_fields(w, value);
      if (!only_results_ || !sub.empty()) (*out_)[key] = std::move(sub);
    } else {
      (*out_)[key] = value_to_json(value);
    }
  }
  template <class F>
  void when(bool active, const char*, F&& visit) {
    if (active) visit(*this);
  }

 private:
  json* out_;
  bool only_results_;
};

// Reads the keys of a JSON object over a struct; unknown keys and wrong types are UsageErrors naming
// the dotted key and where it came from.
class JsonReader : public NoChecks {
 public:
  JsonReader(const json& obj, std::string prefix, std::string source, Sources* sources,
             const std::vector<std::string>* all_keys)
      : obj_(obj), prefix_(std::move(prefix)), source_(std::move(source)), sources_(sources), all_keys_(all_keys) {}

  template <class T>
  void field(const char* key, T& value, std::string_view, const Rule& = {}) {
    seen_.insert(key);
    auto it = obj_.find(key);
    if (it == obj_.end()) return;
    const std::string dotted = join_key(prefix_, key);
    if constexpr (kind_of<T>() == Kind::kGroup) {
      if (!it->is_object()) throw_type_error(dotted, "an object of keys", *it, source_);
      JsonReader sub(*it, dotted, source_, sources_, all_keys_);
      visit_fields(sub, value);
      sub.finish();
    } else {
      value = value_from_json<T>(*it, dotted, source_);
      if (sources_) (*sources_)[dotted] = source_;
    }
  }

  template <class F>
  void when(bool active, const char* condition, F&& visit) {
    if (active) return visit(*this);
    for (const auto& key : keys_of(visit))
      if (obj_.contains(key))
        throw UsageError(join_key(prefix_, key), std::string("applies only when ") + condition + " (from " + source_ + ")");
  }

  // Throws for the first key of the object that no field took.
  void finish() const;

 private:
  const json& obj_;
  std::string prefix_, source_;
  Sources* sources_;
  const std::vector<std::string>* all_keys_;
  std::set<std::string> seen_;
};

// Sets the one field a dotted path names from command-line text. A list given again appends.
class PathSetter : public NoChecks {
 public:
  PathSetter(std::string path, const std::string& text, bool append, std::string source, Sources* sources,
             const std::vector<std::string>* all_keys, std::string prefix = "")
      : path_(std::move(path)), text_(text), append_(append), source_(std::move(source)), sources_(sources),
        all_keys_(all_keys), prefix_(std::move(prefix)) {}

  template <class T>
  void field(const char* key, T& value, std::string_view, const Rule& = {}) {
    if (found_) return;
    const std::string k = key;
    constexpr Kind kind = kind_of<T>();
    if (path_ == k) {
      found_ = true;
      const std::string dotted = join_key(prefix_, key);
      if constexpr (kind == Kind::kGroup) {  // --rl '{"top_p": 0.9}'
        const json obj = json::parse(text_, nullptr, false);
        if (obj.is_discarded() || !obj.is_object())
          throw UsageError("--" + dotted, "is a group of keys: set one of them (--" + dotted +
                                              ".KEY value) or give a JSON object (from " + source_ + ")");
        JsonReader sub(obj, dotted, source_, sources_, all_keys_);
        visit_fields(sub, value);
        sub.finish();
      } else {
        T v = value_from_json<T>(text_to_json(text_, kind), dotted, source_);
        if constexpr (kind == Kind::kList) {
          if (append_) {
            value.insert(value.end(), v.begin(), v.end());
            return;
          }
        }
        value = std::move(v);
        if (sources_) (*sources_)[dotted] = source_;
      }
    } else if constexpr (kind == Kind::kGroup) {
      if (path_.size() > k.size() && path_.compare(0, k.size(), k) == 0 && path_[k.size()] == '.') {
        PathSetter sub(path_.substr(k.size() + 1), text_, append_, source_, sources_, all_keys_, join_key(prefix_, key));
        visit_fields(sub, value);
        found_ = sub.found_;
      }
    }
  }
  template <class F>
  void when(bool active, const char* condition, F&& visit) {
    if (active) return visit(*this);
    for (const auto& key : keys_of(visit))
      if (!found_ && path_ == key)
        throw UsageError("--" + join_key(prefix_, key), std::string("applies only when ") + condition + " (from " + source_ + ")");
  }
  bool found() const { return found_; }

 private:
  std::string path_;
  const std::string& text_;
  bool append_;
  std::string source_;
  Sources* sources_;
  const std::vector<std::string>* all_keys_;
  std::string prefix_;
  bool found_ = false;
};

// Checks every value against its rule and the struct's cross-key rules; the first violation is a
// UsageError naming the dotted key, the allowed range and where the value came from.
class Validator {
 public:
  Validator(std::string prefix, const Sources* sources) : prefix_(std::move(prefix)), sources_(sources) {}

  template <class T>
  void field(const char* key, T& value, std::string_view, const Rule& rule = {}) {
    const std::string dotted = join_key(prefix_, key);
    constexpr Kind k = kind_of<T>();
    if constexpr (k == Kind::kGroup) {
      Validator sub(dotted, sources_);
      visit_fields(sub, value);
    } else if constexpr (k == Kind::kInt || k == Kind::kFloat) {
      const double x = static_cast<double>(value);
      if constexpr (k == Kind::kFloat)
        if (!std::isfinite(x) && !rule.nonfinite_ok) fail(dotted, "must be a finite number, got " + show_value(x));
      if (!rule.allows(x)) fail(dotted, "must be " + rule.range_text() + ", got " + show_value(value_to_json(value)));
    } else if constexpr (k == Kind::kString) {
      if (rule.required && value.empty()) fail(dotted, "is required (--" + dotted + " ...)");
      if (!rule.choices.empty()) check_choice(dotted, value, rule);  // "" is allowed only when listed
    } else if constexpr (k == Kind::kList) {
      if (rule.required && value.empty()) fail(dotted, "needs at least one entry");
      for (const auto& e : value) check_choice(dotted, e, rule);
    }
  }

  template <class F>
  void when(bool active, const char*, F&& visit) {
    if (active) visit(*this);
  }

  // A rule across keys; `key` is relative to the struct being visited.
  void require(bool ok, const std::string& key, const std::string& what) const {
    if (!ok) fail(join_key(prefix_, key), what);
  }
  // A check written elsewhere that throws r1::Error (e.g. ModelConfig::validate), reported under `key`.
  template <class F>
  void require_call(const std::string& key, F&& check) const {
    try {
      check();
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      fail(join_key(prefix_, key), e.what());
    }
  }

 private:
  void check_choice(const std::string& dotted, const std::string& value, const Rule& rule) const;
  [[noreturn]] void fail(const std::string& dotted, const std::string& what) const;

  std::string prefix_;
  const Sources* sources_;
};

}  // namespace detail

// --- the operations every schema gets -----------------------------------------------------------

// Every key of `c` (groups included), with c's values as the defaults.
template <class T>
std::vector<KeyInfo> key_infos(const T& c) {
  T copy = c;
  std::vector<KeyInfo> out;
  detail::KeyCollector k(&out);
  visit_fields(k, copy);
  return out;
}

template <class T>
std::vector<std::string> key_names(const T& c) {
  std::vector<std::string> names;
  for (const auto& k : key_infos(c)) names.push_back(k.key);
  return names;
}

// Every key as JSON: a config file's form, and what a run directory's config.json holds.
template <class T>
json to_json(const T& c) {
  T copy = c;
  json out;
  detail::JsonWriter w(&out, /*only_results=*/false);
  visit_fields(w, copy);
  return out;
}

// Only the keys that change what a run computes (model, data, optimizer, algorithm, seeds) — never
// threads, logging, which stages run or output paths. Two runs whose result parts are equal compute
// the same thing, so a run directory may be resumed exactly when its result part equals this one.
template <class T>
json result_part(const T& c) {
  T copy = c;
  json out;
  detail::JsonWriter w(&out, /*only_results=*/true);
  visit_fields(w, copy);
  return out;
}

// Reads a JSON object of keys over `c` (keys it does not name keep their values). `source` names it in
// errors ("config file runs/x.json").
template <class T>
void read_json(T& c, const json& j, const std::string& source, Sources* sources = nullptr) {
  if (!j.is_object()) throw UsageError(source, "must be a JSON object of config keys, got " + show_value(j));
  const std::vector<std::string> keys = key_names(c);
  detail::JsonReader r(j, "", source, sources, &keys);
  visit_fields(r, c);
  r.finish();
}

// Sets one dotted key from command-line text (`append`: add to a list instead of replacing it).
template <class T>
void set_key(T& c, const std::string& dotted, const std::string& text, const std::string& source,
             Sources* sources = nullptr, bool append = false) {
  const std::vector<std::string> keys = key_names(c);
  detail::PathSetter s(dotted, text, append, source, sources, &keys);
  visit_fields(s, c);
  if (!s.found()) throw UsageError("--" + dotted, "unknown option" + suggest_key(dotted, keys) + " (from " + source + ")");
}

// Checks every value of `c` against the schema's rules; `sources` (optional) says where values came from.
template <class T>
void validate(const T& c, const Sources* sources = nullptr) {
  T copy = c;
  detail::Validator v("", sources);
  visit_fields(v, copy);
}

}  // namespace r1::schema
