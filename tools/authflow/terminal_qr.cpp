// A QR code in the terminal with libqrencode and Unicode half blocks.
#include "terminal_qr.hpp"

#if AUTHFLOW_WITH_QRENCODE
#include <qrencode.h>
#endif

#include <algorithm>
#include <memory>
#include <sys/ioctl.h>
#include <unistd.h>

namespace authflow::cli {
namespace {

// Longer text makes a code wider than most terminals (version 10 at level M is 57 modules,
// 65 columns with the quiet zone, for up to 213 bytes); sign-in URLs are far shorter.
constexpr std::size_t max_qr_text = 512;

constexpr std::string_view full_block = "\xe2\x96\x88"; // U+2588: both halves light
constexpr std::string_view upper_half = "\xe2\x96\x80"; // U+2580: upper light, lower dark
constexpr std::string_view lower_half = "\xe2\x96\x84"; // U+2584: upper dark, lower light

} // namespace

bool qr_codes_available() noexcept {
#if AUTHFLOW_WITH_QRENCODE
    return true;
#else
    return false;
#endif
}

std::optional<QrModules> encode_qr(std::string_view text) {
    if (text.empty() || text.size() > max_qr_text) {
        return std::nullopt;
    }
#if AUTHFLOW_WITH_QRENCODE
    // Byte mode keeps the URL exactly as printed (no case folding); level M survives a smudged
    // screen. Version 0: the smallest that fits.
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
        QRcode_encodeData(static_cast<int>(text.size()),
                          reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M),
        &QRcode_free);
    if (!code || code->width <= 0) {
        return std::nullopt;
    }
    QrModules modules;
    modules.size = code->width;
    const auto count =
        static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width);
    modules.dark.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        modules.dark[i] = (code->data[i] & 1) != 0; // bit 0: dark module
    }
    return modules;
#else
    return std::nullopt;
#endif
}

std::vector<std::string> render_half_blocks(const QrModules& modules, int quiet_zone) {
    std::vector<std::string> lines;
    if (modules.size <= 0) {
        return lines;
    }
    quiet_zone = std::max(quiet_zone, 0);
    const int first = -quiet_zone;
    const int last = modules.size + quiet_zone; // one past the last row and column
    for (int row = first; row < last; row += 2) {
        std::string line;
        for (int column = first; column < last; ++column) {
            // Light is drawn. Outside the symbol everything is light, the half row below an odd
            // last row too.
            const bool top_light = !modules.is_dark(row, column);
            const bool bottom_light = !modules.is_dark(row + 1, column);
            if (top_light && bottom_light) {
                line += full_block;
            } else if (top_light) {
                line += upper_half;
            } else if (bottom_light) {
                line += lower_half;
            } else {
                line += ' ';
            }
        }
        lines.push_back(std::move(line));
    }
    return lines;
}

void print_sign_in_qr(std::ostream& err, std::string_view url, bool asked,
                      std::optional<int> columns) {
    if (!qr_codes_available()) {
        if (asked) {
            err << "(No QR code: this authflow was built without libqrencode.)\n\n";
        }
        return;
    }
    const auto modules = encode_qr(url);
    if (!modules) {
        if (asked) {
            err << "(No QR code: the sign-in URL is too long for one.)\n\n";
        }
        return;
    }
    const int width = modules->size + 2 * qr_quiet_zone;
    if (columns && *columns < width) {
        err << "(No QR code: it needs " << width << " columns, this terminal has " << *columns
            << ".)\n\n";
        return;
    }
    err << "Or scan this QR code with a phone to open the sign-in page:\n\n";
    for (const auto& line : render_half_blocks(*modules)) {
        err << line << '\n';
    }
    err << '\n';
}

std::optional<int> terminal_columns(int fd) noexcept {
    if (::isatty(fd) != 1) {
        return std::nullopt;
    }
    winsize size{};
    if (::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0) {
        return std::nullopt;
    }
    return static_cast<int>(size.ws_col);
}

} // namespace authflow::cli
