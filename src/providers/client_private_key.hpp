#pragma once
// Private to the providers layer: the client's private key for private_key_jwt (RFC 7523 §2.2),
// read once from the file the setting `private_key_file` names.

#include <authflow/jose/signing_key.hpp>

#include <string>

namespace authflow::detail {

/// Reads a private key from `path`: a JWK (a JSON object with the private members, RFC 7517 §4)
/// or PEM (PKCS#8, or the traditional RSA/EC forms), unencrypted. The algorithm is the JWK's
/// `alg` when it names one, else RS256 for RSA, ES256/384/512 by curve, EdDSA for Ed25519. A
/// file other users may read is accepted with a warning in the log. Throws ConfigError naming
/// the setting `private_key_file` and the path, never the file's content: config_missing (no
/// such file), config_invalid (unreadable, too large, not a key, a public key only, a weak or
/// unsupported key).
SigningKey load_client_private_key(const std::string& path);

} // namespace authflow::detail
