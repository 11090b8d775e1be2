#include <authflow/oidc/provider_snapshot.hpp>

namespace authflow {

namespace {

std::string text_of(const nlohmann::json& json, const char* name) {
    const auto it = json.find(name);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

double number_of(const nlohmann::json& json, const char* name) {
    const auto it = json.find(name);
    return it != json.end() && it->is_number() ? it->get<double>() : 0.0;
}

/// A document kept as a JSON value (readable in the store), given back as its text.
std::string document_of(const nlohmann::json& json, const char* name) {
    const auto it = json.find(name);
    return it != json.end() && it->is_object() ? it->dump() : std::string{};
}

nlohmann::json parsed_or_null(const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(text, nullptr, false);
}

} // namespace

nlohmann::json ProviderSnapshot::to_json() const {
    return {{"issuer", issuer},
            {"discovery", parsed_or_null(discovery)},
            {"discovery_fetched_at", discovery_fetched_at},
            {"jwks_uri", jwks_uri},
            {"jwks", parsed_or_null(jwks)},
            {"jwks_fetched_at", jwks_fetched_at},
            {"jwks_max_age_seconds", jwks_max_age_seconds}};
}

ProviderSnapshot ProviderSnapshot::from_json(const nlohmann::json& json) {
    ProviderSnapshot snapshot;
    if (!json.is_object()) {
        return snapshot;
    }
    snapshot.issuer = text_of(json, "issuer");
    snapshot.discovery = document_of(json, "discovery");
    snapshot.discovery_fetched_at = number_of(json, "discovery_fetched_at");
    snapshot.jwks_uri = text_of(json, "jwks_uri");
    snapshot.jwks = document_of(json, "jwks");
    snapshot.jwks_fetched_at = number_of(json, "jwks_fetched_at");
    snapshot.jwks_max_age_seconds = number_of(json, "jwks_max_age_seconds");
    return snapshot;
}

} // namespace authflow
