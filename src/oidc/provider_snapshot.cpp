#include <authflow/oidc/provider_snapshot.hpp>

namespace authflow {

namespace {

std::string text_of(const nlohmann::json& object, const char* name) {
    const auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

double number_of(const nlohmann::json& object, const char* name) {
    const auto it = object.find(name);
    return it != object.end() && it->is_number() ? it->get<double>() : 0.0;
}

/// A document kept as a JSON value (readable in the store), given back as its text.
std::string document_of(const nlohmann::json& object, const char* name) {
    const auto it = object.find(name);
    return it != object.end() && it->is_object() ? it->dump() : std::string{};
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

ProviderSnapshot ProviderSnapshot::from_json(const nlohmann::json& object) {
    ProviderSnapshot snapshot;
    if (!object.is_object()) {
        return snapshot;
    }
    snapshot.issuer = text_of(object, "issuer");
    snapshot.discovery = document_of(object, "discovery");
    snapshot.discovery_fetched_at = number_of(object, "discovery_fetched_at");
    snapshot.jwks_uri = text_of(object, "jwks_uri");
    snapshot.jwks = document_of(object, "jwks");
    snapshot.jwks_fetched_at = number_of(object, "jwks_fetched_at");
    snapshot.jwks_max_age_seconds = number_of(object, "jwks_max_age_seconds");
    return snapshot;
}

} // namespace authflow
