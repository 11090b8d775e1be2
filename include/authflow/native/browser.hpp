#pragma once
// Opening the system browser for native sign-in (RFC 8252 §4.1: an external user-agent).

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace authflow {

/// Settings of open_browser.
struct BrowserOptions {
    /// How long to watch a started program for a quick failure. A program that exits with a
    /// non-zero status within this window (e.g. `xdg-open` on a machine without a desktop)
    /// counts as not started, and the next candidate is tried; one that exits with 0, or is
    /// still running when the window ends, counts as started.
    std::chrono::milliseconds failure_window{1000};
};

/// True where a graphical browser can be shown: on macOS and Windows always; elsewhere when
/// `DISPLAY` or `WAYLAND_DISPLAY` is set and not empty. False over SSH without X forwarding, in
/// containers and on servers, where `xdg-open` can only fail (after trying text-mode browsers and
/// printing their errors).
bool has_graphical_display();

/// The programs open_browser tries, in order: each entry of `$BROWSER` (split on ':' as
/// xdg-open does; each entry is one program name or path, never split into arguments), then —
/// only where has_graphical_display() — `xdg-open`, `open` and `start`. `$BROWSER` is tried
/// without a display too: it may name a text-mode browser or a script. Names without a '/' are
/// looked up in PATH; entries that are not found are left out. Does not throw (except
/// std::bad_alloc).
std::vector<std::string> browser_candidates();

/// Opens `url` in the user's browser: runs the first candidate of browser_candidates() that
/// starts, with the URL as its only argument. Runs it directly (posix_spawn, never a shell), in
/// a new session, with stdin and stdout on /dev/null and no inherited descriptors other than
/// stderr; does not wait for the browser to exit (a background thread reaps it, so no zombie
/// is left). Returns false when no candidate could be started. Throws Error (bad_url) unless
/// `url` is an absolute http or https URL without control characters (so it can never be
/// mistaken for an option). Safe to call from several threads.
bool open_browser(std::string_view url, const BrowserOptions& options = {});

} // namespace authflow
