#pragma once

#include <QString>

namespace repodeck::core::http {

// Which code speaks HTTP(S) for libgit2.
//   Qt:      RepoDeck's transport on Qt Network (the default): OS trust
//            store, system/PAC proxies, exact status and Retry-After.
//   Libgit2: libgit2's built-in client (mbedTLS on Debian), bounded by
//            TimeoutStream; kept for comparison and as a fallback.
enum class HttpBackend { Qt, Libgit2 };

QString httpBackendName(HttpBackend backend);

// The configured backend: env REPODECK_HTTP_BACKEND ("qt" or "libgit2"),
// else QSettings("RepoDeck", "repodeck") key network/httpBackend, else Qt.
// `source` (optional) says which of the three decided.
HttpBackend configuredHttpBackend(QString *source = nullptr);

// Registers (Qt) or unregisters (Libgit2) the transport for http:// and
// https://. Process-wide: call before workers start or while no transfer
// runs (git::initialize() does it once; tests and benchmarks switch between
// runs). Returns false with `error` set if libgit2 refused.
bool useHttpBackend(HttpBackend backend, QString *error = nullptr);
HttpBackend activeHttpBackend();

} // namespace repodeck::core::http
