// DPoP proof JWTs (RFC 9449 §4).
#include <authflow/core/ascii.hpp>
#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/random.hpp>
#include <authflow/jose/dpop.hpp>

#include <chrono>

namespace authflow {

namespace {

[[noreturn]] void bad_request(const std::string& message) {
    throw Error(errc::invalid_argument, "DPoP proof: " + message);
}

// Text put into the payload between quotes without escaping: printable ASCII but '"' and '\'.
bool is_json_safe(std::string_view text) {
    for (char c : text) {
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
            return false;
        }
    }
    return true;
}

// RFC 9110 §9.1: a method is a token.
bool is_method(std::string_view method) {
    if (method.empty()) {
        return false;
    }
    for (char c : method) {
        bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

bool starts_with_scheme(std::string_view url, std::string_view scheme) {
    return iequals(url.substr(0, scheme.size()), scheme); // RFC 9110 §4.2.3: any case
}

} // namespace

std::string dpop_htu(std::string_view url) {
    if (!starts_with_scheme(url, "https://") && !starts_with_scheme(url, "http://")) {
        bad_request("the URL is not an absolute http or https URL");
    }
    return std::string(url.substr(0, url.find_first_of("?#")));
}

DpopProofMaker::DpopProofMaker(SigningKey key) : key_(std::move(key)) {
    // RFC 9449 §4.2: an asymmetric algorithm; `jwk` carries the public key and nothing private.
    if (is_symmetric(key_.alg())) {
        throw TokenError(errc::unsupported_alg, "DPoP proofs need an asymmetric key");
    }
    nlohmann::json header = {{"typ", "dpop+jwt"},
                             {"alg", std::string(to_string(key_.alg()))},
                             {"jwk", key_.public_jwk()}};
    header["jwk"].erase("kid");
    encoded_header_ = base64url_encode(header.dump());
    encoded_header_ += '.';
}

std::string DpopProofMaker::make(const DpopRequest& request, const Clock& clock) const {
    if (!is_method(request.method)) {
        bad_request("the HTTP method is not a method name");
    }
    std::string htu = dpop_htu(request.url);
    if (!is_json_safe(htu) || !is_json_safe(request.nonce)) {
        bad_request("the URL or the nonce holds characters they may not hold");
    }
    auto iat = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch());

    std::string payload;
    payload.reserve(160 + htu.size() + request.nonce.size());
    payload += R"({"jti":")";
    payload += random_token(16); // §4.2: unique per proof, so the server can detect replays
    payload += R"(","htm":")";
    payload += request.method;
    payload += R"(","htu":")";
    payload += htu;
    payload += R"(","iat":)";
    payload += std::to_string(iat.count());
    if (!request.nonce.empty()) {
        payload += R"(,"nonce":")";
        payload += request.nonce;
        payload += '"';
    }
    if (!request.access_token.empty()) {
        // §4.2: ath = base64url(SHA-256(ASCII(access token))).
        payload += R"(,"ath":")";
        payload += base64url_encode(sha256(request.access_token));
        payload += '"';
    }
    payload += '}';

    std::string proof = encoded_header_;
    proof += base64url_encode(payload);
    std::string signature = key_.sign(proof);
    proof += '.';
    proof += base64url_encode(signature);
    return proof;
}

} // namespace authflow
