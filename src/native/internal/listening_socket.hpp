// The socket options of authflow's listening servers: the loopback callback server and
// `authflow serve` (through deploy's own_listening_ports).
#pragma once

namespace authflow::native_detail {

/// Sets SO_REUSEADDR (a fixed port binds again while old connections sit in TIME_WAIT) and
/// close-on-exec (the socket stays out of programs started later, e.g. the browser) on `sock`.
/// Never SO_REUSEPORT, cpp-httplib's default: with it a second server of the same user binds the
/// same port without an error and takes part of the first one's connections.
void own_port_socket_options(int sock);

} // namespace authflow::native_detail
