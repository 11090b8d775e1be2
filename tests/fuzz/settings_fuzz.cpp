// Fuzz target: the settings file (the TOML loader behind load_settings and load_deploy_settings).
// The loaders read a file by path, so each input is written to a file of this process's own in
// the temporary directory, then read as the [oauth2], [profiles.default.oauth2] and [deploy]
// tables and resolved into OAuth2Settings and DeploySettings (with an empty environment).
// ConfigError is expected; anything else escaping is a bug.
#include "fuzz_common.hpp"

#include <authflow/core/settings.hpp>
#include <authflow/deploy/settings.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>

namespace {

using namespace authflow;
namespace fs = std::filesystem;

/// A file of this process's own, removed when the process ends normally.
struct InputFile {
    fs::path path = fs::temp_directory_path() /
                    ("authflow-fuzz-settings-" + std::to_string(::getpid()) + ".toml");
    ~InputFile() {
        std::error_code ignored;
        fs::remove(path, ignored);
    }
    void write(std::string_view text) const {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        fuzz::check(static_cast<bool>(out), "the input file was written");
    }
};

SettingsSources sources_for(const fs::path& file) {
    SettingsSources sources;
    sources.config_file = file;
    sources.environment = std::map<std::string, std::string, std::less<>>{};
    return sources;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const InputFile file;
    fuzz::quiet_logs();
    file.write(fuzz::as_text(data, size));

    for (const char* table : {"oauth2", "profiles.default.oauth2", "deploy"}) {
        try {
            for (const auto& [name, value] : read_config_table(file.path, table)) {
                fuzz::check(!name.empty(), "a table key has a name");
                (void)value.size();
            }
        } catch (const Error&) {
        }
    }
    try {
        const OAuth2Settings settings = load_settings(sources_for(file.path));
        for (const std::string_view field : OAuth2Settings::field_names()) {
            (void)settings.get(field);
        }
        settings.validate(); // what load_settings accepted stays valid
    } catch (const ConfigError&) {
    }
    try {
        const DeploySettings settings = load_deploy_settings(sources_for(file.path));
        for (const std::string_view field : DeploySettings::field_names()) {
            (void)settings.get(field);
        }
        settings.validate();
        (void)settings.redirect_uri();
        (void)settings.public_origin();
        (void)settings.is_public_path("/auth/login");
    } catch (const ConfigError&) {
    }
    return 0;
}
