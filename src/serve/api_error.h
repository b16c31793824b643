// An error as the OpenAI API returns it: an HTTP status and
//   {"error": {"message": ..., "type": ..., "param": ..., "code": ...}}
// which the official clients turn into their exception classes by status (400 BadRequestError, 401
// AuthenticationError, 404 NotFoundError, 413, 429 RateLimitError, 503 InternalServerError).
// Request parsing throws it naming the field at fault in `param` and in the message.
#pragma once
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace r1::serve {

struct ApiError : std::runtime_error {
  int status;         // HTTP status
  std::string type;   // "invalid_request_error", "authentication_error", ...
  std::string param;  // the request field at fault ("messages[1].role"), or empty
  std::string code;   // a short machine-readable code ("invalid_value", "context_length_exceeded"), or empty
  ApiError(int status, std::string type, const std::string& message, std::string param = "", std::string code = "")
      : std::runtime_error(message), status(status), type(std::move(type)), param(std::move(param)),
        code(std::move(code)) {}

  nlohmann::json to_json() const;
};

// 400 invalid_request_error naming `param`: "<param> <what>" is the message.
ApiError bad_request(const std::string& param, const std::string& what, const std::string& code = "invalid_value");

}  // namespace r1::serve
