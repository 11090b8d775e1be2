// Fuzz target: what a server answers a DPoP request (RFC 9449 §8, §9): the first byte chooses the
// HTTP status; the rest is split at the first two NUL bytes into the `DPoP-Nonce` header, the
// `WWW-Authenticate` header and the body. The answer decides whether the request is retried once
// with the server's nonce, and which nonce later proofs carry. A nonce that is kept must be what
// RFC 9449 §8.1 allows (1*NQCHAR, bounded); a retry needs a kept nonce; the proof made with it
// must carry it.
// authflow errors are expected; anything else escaping is a bug.
#include "fuzz_common.hpp"
#include "providers/dpop_decorator.hpp"
#include "providers/dpop_nonces.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/jose/signing_key.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace {

using namespace authflow;

constexpr int statuses[] = {400, 401, 200, 400, 401, 500, 400, 401};

std::string_view next_part(std::string_view& rest) {
    const auto end = rest.find('\0');
    const std::string_view part = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    return part;
}

bool is_nqchar_text(std::string_view nonce) {
    for (char c : nonce) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7E || c == '"' || c == '\\') {
            return false;
        }
    }
    return !nonce.empty();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static ManualClock clock;
    static const DpopProofMaker proofs(SigningKey::generate(JwsAlg::ES256));
    if (size == 0) {
        return 0;
    }
    std::string_view rest = fuzz::as_text(data + 1, size - 1);
    HttpResponse response;
    response.status = statuses[data[0] & 7];
    if (const std::string_view nonce = next_part(rest); !nonce.empty()) {
        response.headers.emplace_back("DPoP-Nonce", std::string{nonce});
    }
    if (const std::string_view challenge = next_part(rest); !challenge.empty()) {
        response.headers.emplace_back("WWW-Authenticate", std::string{challenge});
    }
    response.body.assign(rest);

    const std::string url = "https://op.example/token";
    try {
        detail::DpopNonceCache nonces;
        detail::DpopDecorator decorator(proofs, nonces, clock, "", nullptr);
        HttpRequest request;
        request.method = "POST";
        request.url = url;
        decorator.add_headers(EndpointKind::token, request);
        const bool retry = decorator.should_retry(EndpointKind::token, request, response);
        decorator.remember_nonce(request, response);
        const std::string kept = nonces.nonce_for(url);
        fuzz::check(kept.empty() || (is_nqchar_text(kept) &&
                                     kept.size() <= detail::DpopNonceCache::max_nonce_size),
                    "a kept nonce is 1*NQCHAR and bounded");
        fuzz::check(!retry || !kept.empty(), "a retry needs the server's nonce");
        if (retry) {
            HttpRequest again;
            again.method = "POST";
            again.url = url;
            decorator.add_headers(EndpointKind::token, again);
            std::string proof;
            for (const auto& [name, value] : again.headers) {
                if (name == "DPoP") {
                    proof = value;
                }
            }
            const auto first = proof.find('.');
            const auto second = proof.find('.', first + 1);
            std::string payload;
            fuzz::check(
                first != std::string::npos && second != std::string::npos &&
                    base64url_decode_to(
                        std::string_view{proof}.substr(first + 1, second - first - 1), payload),
                "the retry carries a proof");
            fuzz::check(nlohmann::json::parse(payload).value("nonce", "") == kept,
                        "the retry's proof carries the server's nonce");
        }
        (void)detail::is_use_dpop_nonce(response);
    } catch (const Error&) {
    }
    return 0;
}
