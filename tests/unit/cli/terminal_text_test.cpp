// Provider-supplied text printed by the CLI: nothing in it may act on a terminal.
#include "authflow/terminal_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace authflow::cli {
namespace {

TEST(TerminalText, KeepsPrintableTextOfEveryScript) {
    EXPECT_EQ(terminal_safe("Alice Example <alice@example.com>"),
              "Alice Example <alice@example.com>");
    EXPECT_EQ(terminal_safe("Zoë Ångström — 山田太郎 🙂"),
              "Zoë Ångström — 山田太郎 🙂");
    EXPECT_EQ(terminal_safe(""), "");
}

TEST(TerminalText, DropsEscapeSequencesAndControls) {
    // A colour change, a cursor move with a line erase, a window title (OSC ... BEL), CR.
    EXPECT_EQ(terminal_safe("\x1b[31mred\x1b[0m"), "[31mred[0m");
    EXPECT_EQ(terminal_safe("a\x1b[2K\x1b[1Ab"), "a[2K[1Ab");
    EXPECT_EQ(terminal_safe("\x1b]0;pwned\x07name"), "]0;pwnedname");
    EXPECT_EQ(terminal_safe("fake\rreal"), "fakereal");
    EXPECT_EQ(terminal_safe("two\nlines"), "twolines");
    EXPECT_EQ(terminal_safe(std::string("nul\0byte", 8)), "nulbyte");
    EXPECT_EQ(terminal_safe("del\x7f"), "del");
    EXPECT_EQ(terminal_safe("tab\there"), "tab here");
}

TEST(TerminalText, DropsC1ControlsAndBidiOverrides) {
    EXPECT_EQ(terminal_safe("\xc2\x9b"
                            "31mcsi"),
              "31mcsi");                              // U+009B, a one-character CSI
    EXPECT_EQ(terminal_safe("\xc2\x85next"), "next"); // U+0085
    EXPECT_EQ(terminal_safe("admin\xe2\x80\xae"
                            "txt.exe"),
              "admintxt.exe");                                  // U+202E
    EXPECT_EQ(terminal_safe("\xe2\x81\xa6x\xe2\x81\xa9"), "x"); // U+2066, U+2069
    EXPECT_EQ(terminal_safe("\xc2\xa0nbsp"), "\xc2\xa0nbsp");   // U+00A0 is printable
}

TEST(TerminalText, InvalidUtf8BytesBecomeQuestionMarks) {
    EXPECT_EQ(terminal_safe("a\xff"
                            "b"),
              "a?b");
    EXPECT_EQ(terminal_safe("\xc0\xaf"), "??");           // overlong '/'
    EXPECT_EQ(terminal_safe("\xed\xa0\x80"), "???");      // a surrogate
    EXPECT_EQ(terminal_safe("\xe2\x82"), "??");           // cut short
    EXPECT_EQ(terminal_safe("\xf4\x90\x80\x80"), "????"); // above U+10FFFF
    EXPECT_EQ(terminal_safe("\x80"
                            "\x1b"),
              "?"); // a lone continuation byte, then ESC
}

TEST(TerminalText, CleansEveryStringAndKeyOfAJsonValue) {
    nlohmann::json info = {{"sub", "alice"},
                           {"name", "\x1b[2Jmallory"},
                           {"groups", {"ok", "\x1b]8;;http://evil\x07link"}},
                           {"nested", {{"k\x1b", "v\r"}, {"n", 3}, {"b", true}}}};
    const nlohmann::json safe = terminal_safe_json(info);
    EXPECT_EQ(safe["sub"], "alice");
    EXPECT_EQ(safe["name"], "[2Jmallory");
    EXPECT_EQ(safe["groups"][1], "]8;;http://evillink");
    EXPECT_EQ(safe["nested"]["k"], "v");
    EXPECT_EQ(safe["nested"]["n"], 3);
    EXPECT_EQ(safe["nested"]["b"], true);
    EXPECT_EQ(safe.dump().find('\x1b'), std::string::npos);
}

} // namespace
} // namespace authflow::cli
