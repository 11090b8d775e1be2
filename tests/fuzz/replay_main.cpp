// Runs a fuzz target over saved inputs without libFuzzer: every file named on the command line,
// and every regular file in every directory named (sorted, not recursive). ctest runs each target
// over its corpus in every build, so past findings stay fixed. Fails when a directory is empty or
// a file cannot be read; a crash or sanitizer report ends the process as it would under libFuzzer.
#include "fuzz_common.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

bool run_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::cerr << "replay: cannot read " << file << "\n";
        return false;
    }
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                  std::istreambuf_iterator<char>()};
    // A copy in a buffer of its own size, so that ASan sees reads past the end.
    std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size());
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " <corpus directory or file>...\n";
        return 2;
    }
    std::size_t count = 0;
    for (int i = 1; i < argc; ++i) {
        const fs::path arg = argv[i];
        std::vector<fs::path> files;
        if (fs::is_directory(arg)) {
            for (const auto& entry : fs::directory_iterator(arg)) {
                if (entry.is_regular_file()) {
                    files.push_back(entry.path());
                }
            }
            if (files.empty()) {
                std::cerr << "replay: no inputs in " << arg << "\n";
                return 1;
            }
            std::sort(files.begin(), files.end());
        } else {
            files.push_back(arg);
        }
        for (const auto& file : files) {
            if (!run_file(file)) {
                return 1;
            }
            ++count;
        }
    }
    std::cout << "replay: " << count << " inputs ran\n";
    return 0;
}
