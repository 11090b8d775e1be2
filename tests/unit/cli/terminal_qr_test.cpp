// The device flow's QR code in the terminal: module matrix → half-block lines, when it is shown,
// and (with libqrencode and zbarimg) a code that reads back as the URL.
#include "authflow/terminal_qr.hpp"
#include "support/process.hpp"
#include "support/qr_image.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace authflow::cli {
namespace {

const std::string full = "\xe2\x96\x88";  // light over light
const std::string upper = "\xe2\x96\x80"; // light over dark
const std::string lower = "\xe2\x96\x84"; // dark over light

QrModules matrix(const std::vector<std::string>& rows) {
    QrModules m;
    m.size = static_cast<int>(rows.size());
    for (const auto& row : rows) {
        for (char c : row) {
            m.dark.push_back(c == '#');
        }
    }
    return m;
}

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        out += s;
    }
    return out;
}

TEST(CliTerminalQr, TwoModuleRowsPerLineLightDrawnDarkBlank) {
    const auto m = matrix({"#.#", ".#.", "##."});
    const auto lines = render_half_blocks(m, 1);
    // Rows -1..3 with a one-module quiet zone: (-1,0), (1,2), (3, below).
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], full + upper + full + upper + full);
    EXPECT_EQ(lines[1], full + upper + " " + full + full);
    EXPECT_EQ(lines[2], repeat(full, 5)); // the quiet zone row, and a light half row below it
}

TEST(CliTerminalQr, QuietZoneOfFourModulesOnEverySide) {
    const auto m = matrix({"##", "##"}); // all dark
    const auto lines = render_half_blocks(m);
    // 2 + 2 × 4 = 10 rows → 5 lines of 10 columns.
    ASSERT_EQ(lines.size(), 5u);
    EXPECT_EQ(lines[0], repeat(full, 10));
    EXPECT_EQ(lines[1], repeat(full, 10));
    EXPECT_EQ(lines[2], repeat(full, 4) + "  " + repeat(full, 4)); // both dark rows on one line
    EXPECT_EQ(lines[3], repeat(full, 10));
    EXPECT_EQ(lines[4], repeat(full, 10));
    EXPECT_TRUE(render_half_blocks(QrModules{}).empty());
}

TEST(CliTerminalQr, OddRowsSplitAcrossLines) {
    const auto m = matrix({"#"}); // one dark module on row 0 of rows -4..4
    const auto lines = render_half_blocks(m);
    // Lines pair rows (-4,-3), (-2,-1), (0,1), (2,3), (4, a light half row below).
    ASSERT_EQ(lines.size(), 5u);
    EXPECT_EQ(lines[1], repeat(full, 9));
    EXPECT_EQ(lines[2], repeat(full, 4) + lower + repeat(full, 4));
    EXPECT_EQ(lines[4], repeat(full, 9));
}

TEST(CliTerminalQr, ShownOnATerminalOrWhenAskedNeverOtherwise) {
    EXPECT_TRUE(should_show_qr(QrChoice::automatic, true));
    EXPECT_FALSE(should_show_qr(QrChoice::automatic, false)); // a log or a pipe
    EXPECT_TRUE(should_show_qr(QrChoice::always, false));     // --qr
    EXPECT_TRUE(should_show_qr(QrChoice::always, true));
    EXPECT_FALSE(should_show_qr(QrChoice::never, true)); // --no-qr
    EXPECT_FALSE(should_show_qr(QrChoice::never, false));
}

TEST(CliTerminalQr, NoTerminalColumnsForAFile) {
    test::TempDir dir;
    FILE* file = std::fopen((dir.path() / "log").c_str(), "w");
    ASSERT_NE(file, nullptr);
    EXPECT_FALSE(terminal_columns(::fileno(file)));
    std::fclose(file);
}

#if AUTHFLOW_WITH_QRENCODE

TEST(CliTerminalQr, EncodesTheUrlWithFinderPatterns) {
    ASSERT_TRUE(qr_codes_available());
    const auto m = encode_qr("http://127.0.0.1:4000/device?user_code=ABCD-EFGH");
    ASSERT_TRUE(m);
    EXPECT_EQ((m->size - 17) % 4, 0); // 17 + 4 × version
    EXPECT_GE(m->size, 21);
    // The top-left finder pattern: a dark 7 × 7 ring, a light ring, a dark 3 × 3 centre.
    for (int i = 0; i < 7; ++i) {
        EXPECT_TRUE(m->is_dark(0, i));
        EXPECT_TRUE(m->is_dark(6, i));
        EXPECT_TRUE(m->is_dark(i, 0));
        EXPECT_TRUE(m->is_dark(i, 6));
    }
    EXPECT_FALSE(m->is_dark(1, 1));
    EXPECT_TRUE(m->is_dark(3, 3));
    EXPECT_FALSE(m->is_dark(7, 7)); // the separator
    EXPECT_FALSE(encode_qr(""));
    EXPECT_FALSE(encode_qr(std::string(4000, 'a'))); // too long for a terminal
}

TEST(CliTerminalQr, PrintedCodeReadsBackAsTheUrl) {
    AUTHFLOW_REQUIRE_SERVICE(test::have_program("zbarimg"), "zbarimg (zbar-tools)");
    const std::string url = "https://op.example/device?user_code=WDJB-MJHT";
    std::ostringstream err;
    print_sign_in_qr(err, url, false, std::nullopt);
    std::vector<std::string> lines;
    std::istringstream text(err.str());
    std::string line;
    std::getline(text, line);
    EXPECT_EQ(line, "Or scan this QR code with a phone to open the sign-in page:");
    std::getline(text, line); // empty
    while (std::getline(text, line) && !line.empty()) {
        lines.push_back(line);
    }
    ASSERT_FALSE(lines.empty()) << err.str();
    test::TempDir dir;
    EXPECT_EQ(test::decode_half_blocks(lines, dir.path()), url);

    // Inverted (dark drawn, light blank) it must not read as the same picture: the polarity
    // matters to the reader, so the check above can fail.
    auto modules = test::modules_from_half_blocks(lines);
    ASSERT_TRUE(modules);
    for (auto& row : *modules) {
        row.flip();
    }
    test::write_file(dir.path() / "inverted.pbm", test::to_pbm(*modules, 4));
    EXPECT_NE(test::zbar_decode(dir.path() / "inverted.pbm"), url);
}

TEST(CliTerminalQr, ANarrowTerminalGetsANoteInstead) {
    std::ostringstream err;
    print_sign_in_qr(err, "https://op.example/device?user_code=WDJB-MJHT", false, 20);
    EXPECT_EQ(err.str().find(full), std::string::npos);
    EXPECT_NE(err.str().find("columns"), std::string::npos);
}

#else

TEST(CliTerminalQr, WithoutLibqrencodeOnlyANoteWhenAsked) {
    EXPECT_FALSE(qr_codes_available());
    EXPECT_FALSE(encode_qr("https://op.example/device"));
    std::ostringstream quiet;
    print_sign_in_qr(quiet, "https://op.example/device", false, std::nullopt);
    EXPECT_EQ(quiet.str(), "");
    std::ostringstream asked;
    print_sign_in_qr(asked, "https://op.example/device", true, std::nullopt);
    EXPECT_NE(asked.str().find("libqrencode"), std::string::npos);
}

#endif

} // namespace
} // namespace authflow::cli
