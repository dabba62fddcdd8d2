#pragma once

#include "auth/Keychain.h"

namespace repodeck::core::keychain {

enum class Operation { Read, Write, Remove };

// One operation on the operating system's keychain, answered within
// `timeoutMs`. Two implementations, chosen by the build:
// KeychainBackend_qtkeychain.cpp (Linux, macOS) and KeychainBackend_win.cpp
// (Windows Credential Manager, called directly).
KeychainResult runBackend(Operation op, const QString &service, const QString &key,
                          const QByteArray &data, int timeoutMs);

} // namespace repodeck::core::keychain
