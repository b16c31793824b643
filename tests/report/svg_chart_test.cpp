#include <gtest/gtest.h>

#include <regex>

#include "report/svg_chart.h"

using namespace r1::report;

TEST(SvgChart, PlotsEveryPointWithRoundTicksAndEscapesText) {
  Series s{"acc<1>", {0, 1, 2, 3}, {0.1, 0.4, 0.35, 0.9}, ""};
  std::string svg = svg_line_chart({s, s}, {"a & b", "step", "y", 400, 200, 1});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("points='([^']*)'")));
  int points = 0;
  for (char c : m[1].str()) points += c == ',';
  EXPECT_EQ(points, 4);
  EXPECT_NE(svg.find("a &amp; b"), std::string::npos);
  EXPECT_NE(svg.find("acc&lt;1&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("acc<1>"), std::string::npos);
  // Y ticks at multiples of 0.2 (range 0.1..0.9 with 5% padding).
  EXPECT_NE(svg.find(">0.2<"), std::string::npos);
  EXPECT_NE(svg.find(">0.8<"), std::string::npos);
  EXPECT_EQ(svg.find(">0.0914<"), std::string::npos);
}

TEST(SvgChart, BarsAndEmptySeriesDoNotBreak) {
  std::string bars = svg_bar_chart({"a", "b"}, {{"base", {}, {0.2, 0.6}, ""}, {"rl", {}, {0.5, 0.9}, ""}},
                                   {"pass@1", "", "", 400, 200, 1});
  EXPECT_EQ(std::count(bars.begin(), bars.end(), '\n'), 0);
  size_t rects = 0;
  for (size_t p = bars.find("<rect"); p != std::string::npos; p = bars.find("<rect", p + 1)) ++rects;
  EXPECT_EQ(rects, 1u + 4u + 2u);  // frame + 4 bars + 2 legend swatches
  EXPECT_NE(svg_line_chart({}, {"empty", "", "", 100, 100, 1}).find("</svg>"), std::string::npos);
}
