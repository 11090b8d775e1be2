// DPoP nonces (RFC 9449 §8): what a server asked the next proofs to carry.
#include "dpop_nonces.hpp"

namespace authflow::detail {

std::string_view url_origin(std::string_view url) noexcept {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return url;
    }
    const auto path = url.find_first_of("/?#", scheme_end + 3);
    return path == std::string_view::npos ? url : url.substr(0, path);
}

bool is_valid_dpop_nonce(std::string_view nonce) noexcept {
    if (nonce.empty() || nonce.size() > DpopNonceCache::max_nonce_size) {
        return false;
    }
    for (char c : nonce) {
        const auto byte = static_cast<unsigned char>(c);
        // NQCHAR: printable ASCII except '"' and '\\' (and space).
        if (byte < 0x21 || byte > 0x7e || byte == '"' || byte == '\\') {
            return false;
        }
    }
    return true;
}

std::string DpopNonceCache::nonce_for(std::string_view url) const {
    std::lock_guard lock(mutex_);
    auto it = nonces_.find(url_origin(url));
    return it == nonces_.end() ? std::string{} : it->second;
}

bool DpopNonceCache::remember(std::string_view url, const HttpResponse& response) {
    auto nonce = response.header("DPoP-Nonce");
    if (!nonce || !is_valid_dpop_nonce(*nonce)) {
        return false;
    }
    std::lock_guard lock(mutex_);
    const std::string_view origin = url_origin(url);
    auto it = nonces_.find(origin);
    if (it != nonces_.end()) {
        it->second = std::move(*nonce);
        return true;
    }
    if (nonces_.size() >= capacity) {
        // A provider has a handful of servers; this many means something odd: start over rather
        // than grow.
        nonces_.clear();
    }
    nonces_.emplace(std::string{origin}, std::move(*nonce));
    return true;
}

} // namespace authflow::detail
