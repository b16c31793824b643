#include "serve/api_error.h"

namespace r1::serve {

nlohmann::json ApiError::to_json() const {
  using nlohmann::json;
  return {{"error",
           {{"message", what()},
            {"type", type},
            {"param", param.empty() ? json(nullptr) : json(param)},
            {"code", code.empty() ? json(nullptr) : json(code)}}}};
}

ApiError bad_request(const std::string& param, const std::string& what, const std::string& code) {
  return ApiError(400, "invalid_request_error", param.empty() ? what : param + " " + what, param, code);
}

}  // namespace r1::serve
