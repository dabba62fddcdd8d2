#pragma once

#include "util/RemoteUrl.h"

#include <QString>

namespace repodeck::core {

// What to store for a URL a person typed or pasted. For
// https://user:token@host/repo the token moves to the keychain and the URL
// kept is https://user@host/repo; when no keychain can take it, nothing is
// stored anywhere and `error` says why and what to do instead.
struct UrlToStore
{
    QString url;    // safe for the workspace file; empty when refused
    QString error;  // empty on success
    QString notice; // one line for the person (e.g. "the token is in the keychain"), may be empty
};

UrlToStore prepareUrlForStorage(const RemoteUrl &url);

} // namespace repodeck::core
