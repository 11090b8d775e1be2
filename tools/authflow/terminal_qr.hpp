#pragma once
// A QR code in the terminal: the device flow's sign-in URL, so that a phone camera can open it.
// Encoded with libqrencode (when the build has it, AUTHFLOW_WITH_QRENCODE) and drawn with Unicode
// half blocks, two module rows per text line.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace authflow::cli {

/// A QR code's modules without the quiet zone, row by row. A plain value.
struct QrModules {
    int size = 0;           ///< modules per side
    std::vector<bool> dark; ///< size × size, row-major; true: a dark module

    /// False outside the symbol (the quiet zone is light).
    bool is_dark(int row, int column) const noexcept {
        return row >= 0 && column >= 0 && row < size && column < size &&
               dark[static_cast<std::size_t>(row) * static_cast<std::size_t>(size) +
                    static_cast<std::size_t>(column)];
    }
};

/// True when this build can make QR codes (built with libqrencode).
bool qr_codes_available() noexcept;

/// The QR code of `text` (byte mode, error correction level M); nothing when the build has no
/// libqrencode, the text is empty, or it is too long for a code a terminal can show.
std::optional<QrModules> encode_qr(std::string_view text);

/// The light modules quiet zone the QR code standard asks for on every side.
inline constexpr int qr_quiet_zone = 4;

/// Draws `modules` with a quiet zone of `quiet_zone` modules on every side: one text line per two
/// module rows. Light modules are drawn (U+2588 full block, U+2580 upper half, U+2584 lower
/// half), dark ones are left blank: on a terminal with light text on a dark background the code
/// is dark on light, as phone cameras expect. The half row below an odd last row is light. Each
/// line is size + 2 × quiet_zone characters wide.
std::vector<std::string> render_half_blocks(const QrModules& modules,
                                            int quiet_zone = qr_quiet_zone);

/// --qr, --no-qr, or neither.
enum class QrChoice { automatic, always, never };

/// Whether `login --device` draws the QR code: always with --qr, never with --no-qr, and
/// otherwise only when stderr is a terminal (never into a log or a pipe).
constexpr bool should_show_qr(QrChoice choice, bool err_is_terminal) noexcept {
    return choice == QrChoice::always || (choice == QrChoice::automatic && err_is_terminal);
}

/// Writes "Or scan this QR code…", the code of `url` and an empty line to `err`. Without a code
/// (no libqrencode in this build, a URL too long, a terminal narrower than `columns` needs) a
/// one-line note says why when the code was `asked` for (--qr) or the terminal is too narrow, and
/// nothing otherwise.
void print_sign_in_qr(std::ostream& err, std::string_view url, bool asked,
                      std::optional<int> columns);

/// The width of the terminal on file descriptor `fd` in columns; nothing when it is not a
/// terminal or does not say.
std::optional<int> terminal_columns(int fd) noexcept;

} // namespace authflow::cli
