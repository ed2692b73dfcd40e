// lq::printable / lq::quoted / lq::printable_prefix: input bytes in messages.
#include "core/message_text.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

using namespace std::string_literals;

TEST(MessageText, PrintableKeepsValidTextAndEscapesTheRest) {
  EXPECT_EQ(lq::printable("plain \"text\" \\ ok\nnext line"), "plain \"text\" \\ ok\nnext line");
  EXPECT_EQ(lq::printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(lq::printable("a\0b"s), "a\\x00b");
  EXPECT_EQ(lq::printable("tab\tbell\x07"
                          "del\x7f"),
            "tab\\x09bell\\x07del\\x7f");
  // Stray continuation byte, truncated sequence, overlong form, surrogate,
  // beyond U+10FFFF, bytes never used in UTF-8.
  EXPECT_EQ(lq::printable("\x80"), "\\x80");
  EXPECT_EQ(lq::printable("\xe2\x82"), "\\xe2\\x82");
  EXPECT_EQ(lq::printable("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(lq::printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  EXPECT_EQ(lq::printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
  EXPECT_EQ(lq::printable("\xfe\xff"), "\\xfe\\xff");
}

TEST(MessageText, PrintableIsIdempotent) {
  for (const std::string &s : {"a\0b"s, "\xff\xfe"s, "x\\x00"s, "\n\r\t"s, "\xe2\x82\xac\xe2"s}) {
    const std::string once = lq::printable(s);
    EXPECT_EQ(lq::printable(once), once) << once;
    EXPECT_EQ(once.find('\0'), std::string::npos);
  }
}

TEST(MessageText, QuotedNamesAreUnambiguous) {
  EXPECT_EQ(lq::quoted_name("industry"), "\"industry\"");
  EXPECT_EQ(lq::quoted_name("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(lq::quoted_name("a\nb\0"s), R"("a\x0ab\x00")");
  // A name that spells an escape differs from the byte it spells.
  EXPECT_NE(lq::quoted_name("\\x00"), lq::quoted_name("\0"s));
}

TEST(MessageText, PrefixCutsAtCharacterBoundaries) {
  EXPECT_EQ(lq::printable_prefix("short", 10), "short");
  EXPECT_EQ(lq::printable_prefix("abcdefghij", 8), "abcde...");
  // 3-byte characters: never cut inside one.
  const std::string euros = "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac";
  EXPECT_EQ(lq::printable_prefix(euros, 8), "\xe2\x82\xac...");
  // Escapes: never cut inside one.
  EXPECT_EQ(lq::printable_prefix("ab\0\0\0\0"s, 8), "ab...");
  EXPECT_EQ(lq::printable_prefix("ab\0\0\0\0"s, 10), "ab\\x00...");
}

TEST(MessageText, ErrorTextNeverHoldsARawNul) {
  const lq::Error e(lq::ErrorKind::InvalidParameter, "bad \0 name"s, "detail \xff"s, "hint \x01"s);
  EXPECT_EQ(std::string(e.what()), "bad \\x00 name");
  EXPECT_EQ(e.detail(), "detail \\xff");
  EXPECT_EQ(e.hint(), "hint \\x01");
}
