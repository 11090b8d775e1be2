#pragma once
// The document layer of TokenStore (not installed): JSON documents to sealed record bytes and
// back, and the form earlier versions stored them in.

#include "record_seal.hpp"

#include <authflow/core/token_set.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace authflow::store_detail {

/// A document record is the document's JSON text, sealed by the RecordSeal. Safe to use from
/// several threads.
class DocumentCodec {
public:
    /// `seal` must outlive the codec.
    explicit DocumentCodec(const RecordSeal& seal) : seal_(seal) {}

    /// Throws StoreError (invalid_argument) for a document that cannot be serialised.
    std::string encode(std::string_view name, const nlohmann::json& document) const;
    /// Throws StoreError: store_corrupt (not JSON), decrypt_failed (see RecordSeal::open).
    nlohmann::json decode(std::string_view name, std::string_view key,
                          std::string_view record) const;

private:
    const RecordSeal& seal_;
};

/// The document inside a token set that an earlier version wrote for save_document (a token set
/// no token endpoint issues: access_token and token_type "authflow-document", the document in
/// raw), or nothing when `tokens` is a real token set.
std::optional<nlohmann::json> legacy_document(const OAuthTokenSet& tokens);

} // namespace authflow::store_detail
