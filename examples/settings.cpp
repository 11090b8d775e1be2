// Loads OAuth2Settings the way the `authflow` command does and prints what was resolved.
#include <authflow/authflow.hpp>

#include <iostream>

int main(int argc, char** argv) {
    authflow::SettingsSources sources;
    if (argc > 1) {
        sources.profile = argv[1]; // reads [profiles.<name>.oauth2] over [oauth2]
    }
    sources.flags["use_pkce"] = "true"; // the highest layer: command-line flags
    try {
        const auto settings = authflow::load_settings(sources);
        for (auto field : authflow::OAuth2Settings::field_names()) {
            if (field == "client_secret") {
                std::cout << field << " = " << (settings.client_secret.empty() ? "" : "(set)")
                          << "\n";
                continue;
            }
            std::cout << field << " = " << settings.get(field) << "\n";
        }
        if (!settings.scopes) {
            std::cout << "(scopes unset: the provider's default scopes apply)\n";
        }
    } catch (const authflow::ConfigError& e) {
        std::cerr << "error: " << e.display_code() << ": " << e.what() << "\n";
        return 2;
    }
    return 0;
}
