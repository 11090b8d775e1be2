#include "document_codec.hpp"

#include "internal/store_internal.hpp"

#include <authflow/core/errors.hpp>

#include <exception>

namespace authflow::store_detail {

namespace {

constexpr std::string_view legacy_marker = "authflow-document";

} // namespace

std::string DocumentCodec::encode(std::string_view name, const nlohmann::json& document) const {
    std::string serialised;
    try {
        serialised = document.dump();
    } catch (const std::exception&) {
        // nlohmann rejects invalid UTF-8; never echo the offending value.
        fail(errc::invalid_argument, seal_.backend(),
             "the document cannot be serialised (a string is not valid UTF-8)");
    }
    return seal_.seal(name, std::move(serialised));
}

nlohmann::json DocumentCodec::decode(std::string_view name, std::string_view key,
                                     std::string_view record) const {
    std::string plain;
    std::string_view opened = seal_.open(name, key, record, plain);
    auto document = nlohmann::json::parse(opened, nullptr, false);
    if (document.is_discarded()) {
        fail(errc::store_corrupt, seal_.backend(), quoted_record(key) + " is not a valid document");
    }
    return document;
}

std::optional<nlohmann::json> legacy_document(const OAuthTokenSet& tokens) {
    if (tokens.token_type != legacy_marker || !tokens.raw.is_object()) {
        return std::nullopt;
    }
    auto it = tokens.raw.find(std::string{legacy_marker});
    if (it == tokens.raw.end()) {
        return std::nullopt;
    }
    return *it;
}

} // namespace authflow::store_detail
