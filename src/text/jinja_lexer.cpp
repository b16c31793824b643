#include "text/jinja_lexer.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <regex>

#include "core/error.h"

namespace r1::text::jinja {

std::string preprocess(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  s = std::regex_replace(s, std::regex("\\{#[\\s\\S]*?#\\}"), "{##}");
  s = std::regex_replace(s, std::regex("(^|\\n)[ \\t]*(\\{[#%])"), "$1$2");
  s = std::regex_replace(s, std::regex("([#%]\\})\\n"), "$1");
  s = std::regex_replace(s, std::regex("\\{##\\}"), "");
  s = std::regex_replace(s, std::regex("-%\\}\\s*"), "%}");
  s = std::regex_replace(s, std::regex("\\s*\\{%-"), "{%");
  s = std::regex_replace(s, std::regex("-\\}\\}\\s*"), "}}");
  s = std::regex_replace(s, std::regex("\\s*\\{\\{-"), "{{");
  return s;
}

namespace {

class Lexer {
 public:
  Lexer(const std::string& src, const std::string& where) : s_(src), where_(where) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    while (pos_ < s_.size()) {
      size_t open = pos_;
      while (open < s_.size() && !(s_[open] == '{' && open + 1 < s_.size() &&
                                   (s_[open + 1] == '{' || s_[open + 1] == '%')))
        ++open;
      if (open > pos_) out.push_back({Token::Text, s_.substr(pos_, open - pos_), line_at(pos_)});
      if (open >= s_.size()) break;
      const bool expr = s_[open + 1] == '{';
      out.push_back({expr ? Token::OpenExpr : Token::OpenStmt, "", line_at(open)});
      pos_ = open + 2;
      const std::string close = expr ? "}}" : "%}";
      for (;;) {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
        if (pos_ >= s_.size()) fail("unterminated tag");
        if (s_.compare(pos_, 2, close) == 0) {
          out.push_back({expr ? Token::CloseExpr : Token::CloseStmt, "", line_at(pos_)});
          pos_ += 2;
          break;
        }
        out.push_back(lex_token());
      }
    }
    out.push_back({Token::End, "", line_at(s_.size())});
    return out;
  }

 private:
  int line_at(size_t p) const {
    return 1 + static_cast<int>(std::count(s_.begin(), s_.begin() + static_cast<long>(p), '\n'));
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(where_, "line " + std::to_string(line_at(pos_)) + ": " + what);
  }

  Token lex_token() {
    const int line = line_at(pos_);
    const char c = s_[pos_];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t e = pos_;
      while (e < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[e])) || s_[e] == '_')) ++e;
      Token t{Token::Name, s_.substr(pos_, e - pos_), line};
      pos_ = e;
      return t;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t e = pos_;
      while (e < s_.size() && std::isdigit(static_cast<unsigned char>(s_[e]))) ++e;
      bool is_float = false;
      if (e + 1 < s_.size() && s_[e] == '.' && std::isdigit(static_cast<unsigned char>(s_[e + 1]))) {
        is_float = true;
        ++e;
        while (e < s_.size() && std::isdigit(static_cast<unsigned char>(s_[e]))) ++e;
      }
      Token t{is_float ? Token::Float : Token::Int, s_.substr(pos_, e - pos_), line};
      pos_ = e;
      return t;
    }
    if (c == '\'' || c == '"') {
      std::string v;
      size_t p = pos_ + 1;
      for (;; ++p) {
        if (p >= s_.size()) fail("unterminated string literal");
        if (s_[p] == c) break;
        if (s_[p] == '\\' && p + 1 < s_.size()) {
          const char e = s_[++p];
          switch (e) {
            case 'n': v += '\n'; break;
            case 't': v += '\t'; break;
            case 'r': v += '\r'; break;
            case 'b': v += '\b'; break;
            case 'f': v += '\f'; break;
            case 'v': v += '\v'; break;
            case '0': v += '\0'; break;
            case '\\': case '\'': case '"': v += e; break;
            default: v += '\\'; v += e;  // Python keeps unknown escapes
          }
          continue;
        }
        v += s_[p];
      }
      pos_ = p + 1;
      return {Token::Str, v, line};
    }
    static const char* ops[] = {"//", "**", "==", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}",
                                ",",  ".",  ":",  "|",  "=",  "<",  ">", "+", "-", "*", "/", "%",
                                "~"};
    for (const char* op : ops)
      if (s_.compare(pos_, std::strlen(op), op) == 0) {
        pos_ += std::strlen(op);
        return {Token::Op, op, line};
      }
    fail(std::string("unexpected character '") + c + "'");
  }

  const std::string& s_;
  const std::string& where_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<Token> tokenize(const std::string& src, const std::string& where) { return Lexer(src, where).run(); }

}  // namespace r1::text::jinja
