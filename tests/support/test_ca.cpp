#include "support/test_ca.hpp"

#include "support/process.hpp"
#include "support/test_env.hpp"

#include <stdexcept>
#include <vector>

namespace authflow::test {
namespace {

std::string openssl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    const CommandResult result = run_command(argv);
    if (result.exit_code != 0) {
        throw std::runtime_error("openssl " + args.front() + " failed: " + result.err);
    }
    return result.out;
}

} // namespace

TestCa make_test_ca(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    TestCa ca{dir / "ca.pem", dir / "ca.key", dir / "ca-hashed"};
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", ca.key.string(), "-out", ca.cert.string(), "-days", "2", "-subj",
             "/CN=authflow test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
             "keyUsage=critical,keyCertSign,cRLSign"});
    std::string hash = openssl({"x509", "-noout", "-subject_hash", "-in", ca.cert.string()});
    while (!hash.empty() && (hash.back() == '\n' || hash.back() == '\r')) {
        hash.pop_back();
    }
    std::filesystem::create_directories(ca.hashed_dir);
    std::filesystem::copy_file(ca.cert, ca.hashed_dir / (hash + ".0"));
    return ca;
}

ServerCertificate issue_server_certificate(const TestCa& ca, const std::filesystem::path& dir,
                                           const std::string& name,
                                           const std::string& subject_alt_name) {
    std::filesystem::create_directories(dir);
    ServerCertificate server{dir / (name + ".pem"), dir / (name + ".key")};
    const auto csr = dir / (name + ".csr");
    const auto extensions = dir / (name + ".ext");
    write_file(extensions, "basicConstraints=CA:FALSE\n"
                           "keyUsage=critical,digitalSignature\n"
                           "extendedKeyUsage=serverAuth\n"
                           "subjectAltName=" +
                               subject_alt_name + "\n");
    openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", server.key.string(), "-out", csr.string(), "-subj", "/CN=" + name});
    openssl({"x509", "-req", "-in", csr.string(), "-CA", ca.cert.string(), "-CAkey",
             ca.key.string(), "-CAcreateserial", "-out", server.cert.string(), "-days", "2",
             "-extfile", extensions.string()});
    return server;
}

} // namespace authflow::test
