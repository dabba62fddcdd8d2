// What an HTTP server sends that our transport reads itself: compressed
// bodies (BodyDecoder, whose limits must hold whatever the stream holds),
// Retry-After values, the origins credentials are bound to and the HTTP/1.1
// answers HttpConnection reads. The first
// byte picks which; the rest is the server's bytes.
#include "auth/CredentialScope.h"
#include "net/http/BodyDecoder.h"
#include "net/http/HttpResponseParser.h"
#include "net/http/RetryAfter.h"

#include <QDateTime>
#include <QTimeZone>

#include <cstdint>
#include <cstdlib>

using namespace repodeck::core;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

void decode(http::BodyDecoder::Encoding encoding, const char *data, size_t size)
{
    http::BodyLimits limits;
    limits.maxDecoded = 1 << 20;
    limits.maxRatio = 50;
    limits.ratioAfter = 64 << 10;
    http::BodyDecoder decoder(encoding, limits, QStringLiteral("the fuzzed body"));
    char out[4096];
    qint64 produced = 0;
    // Fed in uneven chunks, as a network delivers it.
    size_t offset = 0;
    size_t chunk = 1;
    while (offset < size) {
        const size_t n = std::min(chunk, size - offset);
        decoder.push(data + offset, n);
        offset += n;
        chunk = chunk * 3 + 1;
        while (!decoder.needsInput()) {
            const qint64 got = decoder.produce(out, sizeof out);
            if (got < 0) {
                check(!decoder.error().isEmpty());
                return;
            }
            if (got == 0)
                break;
            check(got <= qint64(sizeof out));
            produced += got;
            check(produced <= limits.maxDecoded);
        }
    }
    decoder.finish();
    check(decoder.decodedBytes() <= limits.maxDecoded);
}

// A server's answer as HttpResponseParser reads it, in uneven pieces: the
// body passed on is never more than the input, and the head never more than
// its bound.
void response(const char *data, size_t size)
{
    http::HttpResponseParser parser;
    size_t offset = 0;
    size_t chunk = 1;
    qint64 bodyBytes = 0;
    while (offset < size && parser.state() != http::HttpResponseParser::State::Failed) {
        const size_t n = std::min(chunk, size - offset);
        QByteArray body;
        parser.feed(QByteArrayView(data + offset, qsizetype(n)), &body);
        check(body.size() <= qsizetype(n));
        bodyBytes += body.size();
        offset += n;
        chunk = chunk * 2 + 1;
    }
    parser.finishAtClose();
    check(bodyBytes <= qint64(size));
    if (parser.hasHead()) {
        check(parser.head().status >= 200 && parser.head().status <= 999);
        check(parser.head().headers.size() <= http::HttpResponseParser::kMaxHeaders);
    }
    check(parser.state() == http::HttpResponseParser::State::Done || !parser.error().isEmpty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *body = reinterpret_cast<const char *>(data + 1);
    const size_t length = size - 1;
    switch (data[0] % 6) {
    case 0: decode(http::BodyDecoder::Encoding::Gzip, body, length); break;
    case 1: decode(http::BodyDecoder::Encoding::Deflate, body, length); break;
    case 2: {
        const QDateTime now(QDate(2026, 12, 1), QTime(12, 0), Qt::UTC);
        const Millis wait = http::parseRetryAfter(QByteArray(body, qsizetype(length)), now);
        check(wait.count() >= -1); // -1: none (absent or malformed)
        break;
    }
    case 3: {
        const QString url = QString::fromUtf8(body, qsizetype(length));
        if (const auto origin = CredentialOrigin::fromUrl(url)) {
            check(origin->scheme == QLatin1String("http")
                  || origin->scheme == QLatin1String("https"));
            check(origin->port > 0 && origin->port < 65536);
            check(!origin->host.isEmpty());
            check(CredentialOrigin::fromUrl(origin->display()) == origin);
        }
        break;
    }
    case 5: response(body, length); break;
    default: http::BodyDecoder::encodingOf(QByteArray(body, qsizetype(length))); break;
    }
    return 0;
}
