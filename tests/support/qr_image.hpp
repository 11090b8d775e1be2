#pragma once
// Reads back a QR code that the CLI drew with Unicode half blocks (light modules drawn: U+2588
// full block, U+2580 upper half, U+2584 lower half; dark ones blank): the module rows, a PBM image
// of them, and zbarimg (zbar-tools) decoding that image. Independent of the renderer under test.

#include "support/process.hpp"
#include "support/test_env.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authflow::test {

/// One row of modules per half line, true = dark. Nothing when a line holds anything but the four
/// half-block characters or the lines differ in width.
inline std::optional<std::vector<std::vector<bool>>>
modules_from_half_blocks(const std::vector<std::string>& lines) {
    std::vector<std::vector<bool>> rows;
    for (const auto& line : lines) {
        std::vector<bool> top;
        std::vector<bool> bottom;
        std::string_view rest = line;
        while (!rest.empty()) {
            bool top_light = false;
            bool bottom_light = false;
            if (rest.starts_with(" ")) {
                rest.remove_prefix(1);
            } else if (rest.starts_with("\xe2\x96\x88")) {
                top_light = bottom_light = true;
                rest.remove_prefix(3);
            } else if (rest.starts_with("\xe2\x96\x80")) {
                top_light = true;
                rest.remove_prefix(3);
            } else if (rest.starts_with("\xe2\x96\x84")) {
                bottom_light = true;
                rest.remove_prefix(3);
            } else {
                return std::nullopt;
            }
            top.push_back(!top_light);
            bottom.push_back(!bottom_light);
        }
        if (!rows.empty() && top.size() != rows.front().size()) {
            return std::nullopt;
        }
        rows.push_back(std::move(top));
        rows.push_back(std::move(bottom));
    }
    return rows;
}

/// A PBM image (P1, plain text; 1 = black) of `dark`, each module `scale` × `scale` pixels.
inline std::string to_pbm(const std::vector<std::vector<bool>>& dark, int scale) {
    const std::size_t width = dark.empty() ? 0 : dark.front().size();
    std::string image = "P1\n" + std::to_string(width * static_cast<std::size_t>(scale)) + " " +
                        std::to_string(dark.size() * static_cast<std::size_t>(scale)) + "\n";
    for (const auto& row : dark) {
        std::string pixels;
        for (bool module : row) {
            for (int i = 0; i < scale; ++i) {
                pixels += module ? "1 " : "0 ";
            }
        }
        pixels += "\n";
        for (int i = 0; i < scale; ++i) {
            image += pixels;
        }
    }
    return image;
}

/// The text of the one QR code in `image`, by `zbarimg --raw -q` (without its trailing
/// newline); nothing when zbarimg finds none.
inline std::optional<std::string> zbar_decode(const std::filesystem::path& image) {
    auto result = run_command({"zbarimg", "--raw", "-q", image.string()});
    if (result.exit_code != 0) {
        return std::nullopt;
    }
    std::string text = std::move(result.out);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    return text;
}

/// Decodes half-block lines as a phone would see them: modules → a PBM image, 4 × 4 pixels per
/// module, in `dir` → zbarimg. Nothing when the lines are not a QR code.
inline std::optional<std::string> decode_half_blocks(const std::vector<std::string>& lines,
                                                     const std::filesystem::path& dir) {
    auto modules = modules_from_half_blocks(lines);
    if (!modules || modules->empty()) {
        return std::nullopt;
    }
    const auto file = dir / "qr.pbm";
    write_file(file, to_pbm(*modules, 4));
    return zbar_decode(file);
}

} // namespace authflow::test
