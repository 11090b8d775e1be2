// DPoP proof creation against raw OpenSSL signing, in one run.
//
// authflow/<alg>: DpopProofMaker::make for a resource request (random jti, iat, htm, htu without
//                 the query, ath = SHA-256 of the access token, base64url, signature).
// raw/<alg>:      EVP_DigestSignInit + EVP_DigestSign over a proof's signing input of the same
//                 length, with the same key and a fresh EVP_MD_CTX per call (EVP_sha256(), as
//                 most code calls it): signing the bytes and nothing else.
// The table at the end (CPU time: the machine may be shared) divides raw time by authflow's:
// the share of raw OpenSSL signing speed a whole proof reaches (goal: >= 0.9).
#include "cpu_time_reporter.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/jose/dpop.hpp>

#include <benchmark/benchmark.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using authflow::JwsAlg;

const std::string access_token(600, 'a'); // a JWT-sized access token
const std::string url = "https://api.example.com/v1/accounts/12345/transactions?page=2";

authflow::SigningKey key_for(const std::string& alg) {
    static std::map<std::string, authflow::SigningKey> keys;
    auto it = keys.find(alg);
    if (it == keys.end()) {
        it = keys.emplace(alg, authflow::SigningKey::generate(*authflow::parse_jws_alg(alg))).first;
    }
    return it->second;
}

void BM_authflow(benchmark::State& state, const std::string& alg) {
    authflow::DpopProofMaker maker(key_for(alg));
    authflow::ManualClock clock;
    for (auto _ : state) {
        std::string proof = maker.make({"GET", url, {}, access_token}, clock);
        benchmark::DoNotOptimize(proof.data());
    }
}

void BM_raw(benchmark::State& state, const std::string& alg) {
    authflow::SigningKey key = key_for(alg);
    std::string pem = key.to_pem();
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    std::shared_ptr<EVP_PKEY> pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr),
                                   EVP_PKEY_free);
    // The bytes a proof signs: its encoded header and payload.
    authflow::ManualClock clock;
    std::string proof = authflow::DpopProofMaker(key).make({"GET", url, {}, access_token}, clock);
    std::string input = proof.substr(0, proof.rfind('.'));
    const EVP_MD* md = alg == "EdDSA" ? nullptr : EVP_sha256();
    std::vector<unsigned char> signature(1024);
    for (auto _ : state) {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        std::size_t size = signature.size();
        EVP_DigestSignInit(ctx, nullptr, md, nullptr, pkey.get());
        EVP_DigestSign(ctx, signature.data(), &size,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size());
        EVP_MD_CTX_free(ctx);
        benchmark::DoNotOptimize(signature.data());
    }
}

// Collects each benchmark's CPU time (the median when repeated) and prints the ratios.
class RatioReporter : public authflow::bench::CpuTimeReporter {
public:
    void Finalize() override {
        ConsoleReporter::Finalize();
        std::printf("\n%-6s %13s %9s %7s %6s\n", "alg", "authflow (us)", "raw (us)", "ratio",
                    "goal");
        for (const char* alg : {"ES256", "EdDSA"}) {
            double ours = time("authflow/" + std::string{alg});
            double raw = time("raw/" + std::string{alg});
            if (ours > 0 && raw > 0) {
                std::printf("%-6s %13.2f %9.2f %7.2f %6s\n", alg, ours / 1000, raw / 1000,
                            raw / ours, raw / ours >= 0.9 ? "met" : "MISSED");
            }
        }
        std::fflush(stdout);
    }
};

} // namespace

int main(int argc, char** argv) {
    for (const char* alg : {"ES256", "EdDSA"}) {
        std::string name{alg};
        benchmark::RegisterBenchmark(("authflow/" + name).c_str(), BM_authflow, name)
            ->Unit(benchmark::kNanosecond);
        benchmark::RegisterBenchmark(("raw/" + name).c_str(), BM_raw, name)
            ->Unit(benchmark::kNanosecond);
    }
    benchmark::Initialize(&argc, argv);
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}
