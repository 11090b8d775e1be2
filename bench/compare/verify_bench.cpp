// authflow and raw OpenSSL over the ID tokens of bench/compare/make_tokens.mjs (the same tokens
// and keys the PyJWT and node jose runs verify):
//
//   bench_compare_verify DIR SECONDS_PER_ALG
//
// authflow: IdTokenValidator::validate with a warm JwksCache (the key set fetched once, before
//           timing, from an in-process HttpClient that serves DIR/<alg>.jwks.json): every
//           OIDC Core §3.1.3.7 check, the nonce included.
// openssl:  the limit: EVP_DigestVerifyInit + EVP_DigestVerify over the same signing input with
//           a pre-parsed key (DIR/<alg>.pem), a digest fetched once and a fresh EVP_MD_CTX per
//           call; the ES256 signature converted to DER beforehand.
// Prints "<impl> <alg> <wall us/op> <cpu us/op>" per implementation and algorithm, the two
// implementations alternating in slices of SECONDS_PER_ALG / 4.
#include <authflow/core/encoding.hpp>
#include <authflow/oidc/id_token.hpp>
#include <authflow/oidc/jwks_cache.hpp>

#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

using json = nlohmann::json;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Serves one key set at any URL; counts the requests.
class FileHttpClient final : public authflow::HttpClient {
public:
    explicit FileHttpClient(std::string body) : body_(std::move(body)) {}
    authflow::HttpResponse send(const authflow::HttpRequest&) override {
        ++requests_;
        authflow::HttpResponse response;
        response.status = 200;
        response.headers = {{"Content-Type", "application/json"},
                            {"Cache-Control", "public, max-age=86400"}};
        response.body = body_;
        return response;
    }
    int requests() const { return requests_; }

private:
    std::string body_;
    int requests_ = 0;
};

struct EvpMdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EvpPkeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct EvpMdFree {
    void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct EcdsaSigFree {
    void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};

std::string der_from_raw(const std::string& raw) {
    std::size_t half = raw.size() / 2;
    std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    ECDSA_SIG_set0(sig.get(), BN_bin2bn(bytes, static_cast<int>(half), nullptr),
                   BN_bin2bn(bytes + half, static_cast<int>(half), nullptr));
    int size = i2d_ECDSA_SIG(sig.get(), nullptr);
    std::string der(static_cast<std::size_t>(size), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    i2d_ECDSA_SIG(sig.get(), &out);
    return der;
}

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Totals {
    double wall = 0;
    double cpu = 0;
    long count = 0;
};

/// Runs `once` in batches of 32 for about `seconds`, adding to `totals`.
void measure(const std::function<void()>& once, double seconds, Totals& totals) {
    using steady = std::chrono::steady_clock;
    double cpu0 = cpu_seconds();
    auto t0 = steady::now();
    auto end = t0 + std::chrono::duration<double>(seconds);
    auto t = t0;
    while (t < end) {
        for (int i = 0; i < 32; ++i) {
            once();
        }
        totals.count += 32;
        t = steady::now();
    }
    totals.cpu += cpu_seconds() - cpu0;
    totals.wall += std::chrono::duration<double>(t - t0).count();
}

void run(const std::string& dir, const std::string& alg, double seconds) {
    json expected = json::parse(read_file(dir + "/claims.json"));
    std::string token = read_file(dir + "/" + alg + ".jwt");

    // authflow
    auto http = std::make_shared<FileHttpClient>(read_file(dir + "/" + alg + ".jwks.json"));
    auto keys = std::make_shared<authflow::JwksCache>("https://accounts.example.com/jwks", http);
    authflow::IdTokenValidatorOptions options;
    options.client_id = expected.at("aud").get<std::string>();
    options.issuer = expected.at("iss").get<std::string>();
    options.allowed_algs = {*authflow::parse_jws_alg(alg)};
    authflow::IdTokenValidator validator(options, keys);
    authflow::IdTokenChecks checks;
    checks.nonce = expected.at("nonce").get<std::string>();
    auto authflow_once = [&] {
        auto claims = validator.validate(token, checks);
        if (claims.sub().empty()) {
            throw std::runtime_error("no sub");
        }
    };

    // raw OpenSSL
    auto dot = token.rfind('.');
    std::string signing_input = token.substr(0, dot);
    std::string signature = authflow::base64url_decode(token.substr(dot + 1));
    if (alg == "ES256") {
        signature = der_from_raw(signature);
    }
    std::string pem = read_file(dir + "/" + alg + ".pem");
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    std::unique_ptr<EVP_PKEY, EvpPkeyFree> pkey(
        PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    std::unique_ptr<EVP_MD, EvpMdFree> sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    if (!pkey || !sha256) {
        throw std::runtime_error("cannot load " + alg + ".pem");
    }
    const EVP_MD* md = alg == "EdDSA" ? nullptr : sha256.get();
    auto openssl_once = [&] {
        std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx(EVP_MD_CTX_new());
        if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey.get()) != 1 ||
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(),
                             reinterpret_cast<const unsigned char*>(signing_input.data()),
                             signing_input.size()) != 1) {
            throw std::runtime_error("OpenSSL rejected the " + alg + " token");
        }
    };

    for (int i = 0; i < 200; ++i) { // warm-up; the key set is fetched here, once
        authflow_once();
        openssl_once();
    }
    Totals ours;
    Totals raw;
    for (int slice = 0; slice < 4; ++slice) {
        if (slice % 2 == 0) {
            measure(authflow_once, seconds / 4, ours);
            measure(openssl_once, seconds / 4, raw);
        } else {
            measure(openssl_once, seconds / 4, raw);
            measure(authflow_once, seconds / 4, ours);
        }
    }
    if (http->requests() != 1) {
        throw std::runtime_error("the key set was fetched more than once");
    }
    auto n_ours = static_cast<double>(ours.count);
    auto n_raw = static_cast<double>(raw.count);
    std::printf("authflow %s %.3f %.3f\n", alg.c_str(), ours.wall * 1e6 / n_ours,
                ours.cpu * 1e6 / n_ours);
    std::printf("openssl %s %.3f %.3f\n", alg.c_str(), raw.wall * 1e6 / n_raw,
                raw.cpu * 1e6 / n_raw);
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_compare_verify DIR [SECONDS_PER_ALG]\n");
        return 2;
    }
    double seconds = argc > 2 ? std::stod(argv[2]) : 0.5;
    try {
        for (const char* alg : {"RS256", "ES256", "EdDSA"}) {
            run(argv[1], alg, seconds);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_compare_verify: %s\n", e.what());
        return 1;
    }
    return 0;
}
