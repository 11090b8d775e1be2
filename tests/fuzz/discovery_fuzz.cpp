// Fuzz target: the OpenID Connect discovery document (oidc ProviderMetadata::parse). The input is
// the document's text. It is checked against a fixed issuer and, when it carries a string
// `issuer`, against that one too (so the fuzzer gets past the issuer check). AuthenticationError
// (discovery_failed) is expected; anything else escaping is a bug.
#include "fuzz_common.hpp"

#include <authflow/oidc/provider_metadata.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace {

using namespace authflow;

void parse_with(std::string_view text, std::string_view issuer) {
    try {
        const ProviderMetadata metadata = ProviderMetadata::parse(text, issuer);
        fuzz::check(metadata.issuer == issuer, "a parsed document has the expected issuer");
        for (const JwsAlg alg : metadata.id_token_algs()) {
            fuzz::check(!is_symmetric(alg), "default ID-token algorithms are asymmetric");
        }
        (void)discovery_url(metadata.issuer);
    } catch (const Error&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::quiet_logs();
    const std::string_view text = fuzz::as_text(data, size);
    parse_with(text, "https://op.example");
    const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
    if (document.is_object()) {
        const auto it = document.find("issuer");
        if (it != document.end() && it->is_string()) {
            parse_with(text, it->get_ref<const std::string&>());
        }
    }
    return 0;
}
