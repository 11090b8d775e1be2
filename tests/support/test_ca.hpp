#pragma once
// A throw-away certificate authority and server certificates for TLS tests, made at run time with
// the `openssl` command.

#include <filesystem>
#include <string>

namespace authflow::test {

/// A self-signed CA. `hashed_dir` holds the CA certificate as `<subject hash>.0`, the layout of
/// `openssl rehash` / c_rehash, for CApath-style trust.
struct TestCa {
    std::filesystem::path cert; ///< PEM
    std::filesystem::path key;  ///< PEM, unencrypted
    std::filesystem::path hashed_dir;
};

/// A server certificate signed by a TestCa.
struct ServerCertificate {
    std::filesystem::path cert; ///< PEM
    std::filesystem::path key;  ///< PEM, unencrypted
};

/// Makes a CA (P-256 key, valid 2 days) in `dir`. Throws std::runtime_error when openssl fails.
TestCa make_test_ca(const std::filesystem::path& dir);

/// Issues a server certificate (P-256, serverAuth) named `name` in `dir`, with the given
/// subjectAltName. Throws std::runtime_error when openssl fails.
ServerCertificate
issue_server_certificate(const TestCa& ca, const std::filesystem::path& dir,
                         const std::string& name,
                         const std::string& subject_alt_name = "IP:127.0.0.1,DNS:localhost");

} // namespace authflow::test
