// The API key check: only "Bearer <the key>" passes (scheme in any case, spaces around the key).
#include <gtest/gtest.h>

#include "serve/bearer_auth.h"

using r1::serve::bearer_matches;
using r1::serve::constant_time_equal;

TEST(BearerAuth, OnlyTheKeyPasses) {
  EXPECT_TRUE(constant_time_equal("sk-abc", "sk-abc"));
  EXPECT_FALSE(constant_time_equal("sk-abd", "sk-abc"));
  EXPECT_FALSE(constant_time_equal("sk-ab", "sk-abc"));
  EXPECT_FALSE(constant_time_equal("sk-abcd", "sk-abc"));
  EXPECT_FALSE(constant_time_equal("", "sk-abc"));
  EXPECT_TRUE(bearer_matches("Bearer sk-abc", "sk-abc"));
  EXPECT_TRUE(bearer_matches("bearer  sk-abc ", "sk-abc"));
  EXPECT_FALSE(bearer_matches("Basic sk-abc", "sk-abc"));
  EXPECT_FALSE(bearer_matches("sk-abc", "sk-abc"));
  EXPECT_FALSE(bearer_matches("", "sk-abc"));
  EXPECT_FALSE(bearer_matches("Bearer ", "sk-abc"));
}
