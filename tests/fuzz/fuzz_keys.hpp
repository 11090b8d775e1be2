#pragma once
// The public keys that signed the seed ID tokens in tests/fuzz/corpus/jws (made, with the
// tokens, by tests/support/node/fuzz_jws_seeds.mjs, which prints this set: re-run both together).
// Their issuer is https://op.example, audience client-1, nonce n-1, iat 2026-01-01 (ManualClock's
// start); the HS256 tokens use the client secret fuzz-client-secret-0123456789abcdef.

namespace authflow::fuzz {

constexpr const char* seed_issuer = "https://op.example";
constexpr const char* seed_client_id = "client-1";
constexpr const char* seed_client_secret = "fuzz-client-secret-0123456789abcdef";
/// corpus/jws/id_token_rs256: nonce n-1, at_hash of the access token "AT-1", c_hash of "C-1".
constexpr const char* seed_id_token =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIiwidHlwIjoiSldUIn0."
    "eyJpc3MiOiJodHRwczovL29wLmV4YW1wbGUiLCJzdWIiOiJhbGljZSIsImF1ZCI6ImNsaWVudC0xIiwiaWF0IjoxNzY3Mj"
    "I1NjAwLCJleHAiOjE3NjcyMjkyMDAsIm5vbmNlIjoibi0xIiwiYXV0aF90aW1lIjoxNzY3MjI1NTQwLCJhdF9oYXNoIjoi"
    "M2NzZ2RBZWpndE1rdVFEaW51aDVtZyIsImNfaGFzaCI6IkItbXBhV1ZYOWNqNGdyNEc1NW04Q1EiLCJlbWFpbCI6ImFsaW"
    "NlQGV4YW1wbGUuY29tIiwiZW1haWxfdmVyaWZpZWQiOnRydWV9.co_o65jMYMliZmL_qE-"
    "8kMPahKr7XHXwfAoSXM374Bn1am3NaFxg37NQC0-wHPbvELBlnW2bq0_u_ALnxvpc-"
    "NaodJ5C6UOofqiBQUPjfro4DmcqWqXY8GRp0EGZ4zjv1DbNcuCfn1b95LasST2q4LMJZ6N1V272NHve14GfGjTZMUw0pUi"
    "3bTWrJMQfRC8WExRJ964PYJudLvjOhunS0YmVhyY82s1Q5ILL-qOVBwsTey6Etmto-"
    "uY9noLIBUZmmjDO48p55ldJb04rMoNsr2zA-KKCLPrjuLZkCkkf1RRl1-AqugCdGtJh4w_AOnRp6eKkq2mkTHtL8UEW_"
    "4F_dw";
constexpr const char* seed_jwks =
    R"json({"keys":[{"kty":"RSA","n":"vSwsoklpCfMBzGAs4kEms1aqeKX4VEyu5De0D3TAThlHUAK0FJNqQjVc7PNewZujnMRg00qlkU6BrNeN7HjdoSHcTVRwQgdMPJQcnffnqSnj2G4SSB5FhOqjx7UtHnslGvDduTIp3K5I6nxRR8OYNlFnU_MSTLOlzGo2ivszUrWHYqV8-2XCNLQRuvtPeDoUdqpNSt1Jo9AyjuxlYtFruPMaT2b-YQvVRR4lGloPFVrHsEi4TR_1sl17ERX9AmT_GVhts9Jpo65UTkg5WLTNrSOo2ED_6werOAFq2-dBq9X-70g8HATQ38lSvmtnNFQCUxq9GN2Eb8TsNNssad7T2w","e":"AQAB","kid":"rsa-1","use":"sig"},{"kty":"EC","x":"Sgwti6be8ZNHXEY9MQ_jC5yEgDM8fox7i0B6fMAtMcQ","y":"byIMSdBfR9Di8Gb8o5MXj0RxAknJ-jTyKWYpwbQaTm8","crv":"P-256","kid":"ec-256","use":"sig"},{"kty":"EC","x":"PMYXyTj3rq2EWBEzw5_HGDxzjQkqS1Ia9of65xDUmRu94UUFaU_3Pzmk7G9rlXPC","y":"iWdE9zCkyUZhzBp_JUuChPUwlS-JkGmLmOettno4xHv_rrRKM2Sgl3WfckoNnmj7","crv":"P-384","kid":"ec-384","use":"sig"},{"kty":"EC","x":"ATBllsiFZdRPpndvHl_KSfKSnph93ivWQhSgdJfHIp3SW1F9JE1D45g4Bf6S1S9BNNno5lmTVe0wb_CAIsR1hdLr","y":"AXRJDWhexjid0fT_4Q6w5AujD8zgQptgyjcRybOIhe-RxFOAfAlVYI5c_hANprPazvY4cdfTakAS0Q6Q1AobgzGS","crv":"P-521","kid":"ec-521","use":"sig"},{"crv":"Ed25519","x":"ddnHWCT2EmpEK6vXbURsQGxyIOsg540GQg_0N83r9V0","kty":"OKP","kid":"ed-1","use":"sig"}]})json";

} // namespace authflow::fuzz
