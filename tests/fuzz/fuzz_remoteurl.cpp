// RemoteUrl::parse on any text: never crashes, and what it accepts it
// accepts again in the form RepoDeck stores (loading must never reject what
// saving wrote), with no control character and no password in it.
#include "util/RemoteUrl.h"

#include <QString>

#include <cstdint>
#include <cstdlib>

using repodeck::core::RemoteUrl;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

bool hasControl(const QString &s)
{
    for (QChar c : s)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return true;
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data),
                                           static_cast<qsizetype>(size));
    const RemoteUrl url = RemoteUrl::parse(text);
    if (!url.isValid()) {
        check(!url.error().isEmpty());
        if (url.password().size() >= 4)
            check(!url.error().contains(url.password()));
        return 0;
    }
    check(!hasControl(url.redacted()) && !hasControl(url.host()) && !hasControl(url.userName()));
    if (url.kind() == RemoteUrl::Kind::Ssh)
        check(!url.host().startsWith(QLatin1Char('-'))
              && !url.userName().startsWith(QLatin1Char('-')));
    for (const QString &stored : {url.redacted(), url.withoutPassword()}) {
        const RemoteUrl again = RemoteUrl::parse(stored);
        check(again.isValid());
        check(again.kind() == url.kind());
        check(again.redacted() == url.redacted());
    }
    // The stored and shown forms carry no password (the path may contain
    // anything, even the same letters, so the check is on the parsed parts).
    const RemoteUrl shown = RemoteUrl::parse(url.redacted());
    check(!shown.hasPassword());
    if (url.kind() == RemoteUrl::Kind::Http || url.kind() == RemoteUrl::Kind::Https)
        check(shown.userName().isEmpty());
    check(!RemoteUrl::parse(url.withoutPassword()).hasPassword());
    return 0;
}
