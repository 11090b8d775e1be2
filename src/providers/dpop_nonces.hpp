#pragma once
// Private to the providers layer: the DPoP nonces a provider's servers handed out (RFC 9449 §8,
// §9), the latest one per server, for the next proof.

#include <authflow/http/http_client.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace authflow::detail {

/// The latest DPoP-Nonce of each server (scheme, host and port of the URL it answered for).
/// Bounded: at most `capacity` servers are remembered. Safe to use from several threads.
class DpopNonceCache {
public:
    static constexpr std::size_t capacity = 64;
    /// A longer DPoP-Nonce is ignored (untrusted input that goes into every later proof).
    static constexpr std::size_t max_nonce_size = 512;

    /// The nonce to send to the server of `url`; empty when none is known.
    std::string nonce_for(std::string_view url) const;
    /// Keeps the DPoP-Nonce header of `response` (an answer from the server of `url`) when it has
    /// a valid one (RFC 9449 §8.1: 1*NQCHAR). Returns true when it had one.
    bool remember(std::string_view url, const HttpResponse& response);

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::string, std::less<>> nonces_;
};

/// `scheme://host[:port]` of an absolute URL (the whole text when it has no path).
std::string_view url_origin(std::string_view url) noexcept;

/// A DPoP-Nonce value as RFC 9449 §8.1 allows it: 1 to max_nonce_size NQCHARs (%x21, %x23-5B,
/// %x5D-7E).
bool is_valid_dpop_nonce(std::string_view nonce) noexcept;

} // namespace authflow::detail
