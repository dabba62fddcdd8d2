#include "net/http/HttpSubtransport.h"

#include "retry/AttemptContext.h"
#include "net/http/BodyDecoder.h"
#include "net/http/HttpConnection.h"
#include "net/http/HttpErrors.h"
#include "net/http/RetryAfter.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QNetworkReply>

#include <cstring>

#include <git2/sys/remote.h>
#include <spdlog/spdlog.h>
#include <zlib.h>

namespace repodeck::core::http {

namespace {

// A gzip member (RFC 1952) of `data`, or empty if zlib failed.
QByteArray gzip(const QByteArray &data)
{
    z_stream z{};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return {};
    QByteArray out(static_cast<qsizetype>(deflateBound(&z, static_cast<uLong>(data.size()))),
                   Qt::Uninitialized);
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef *>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(static_cast<qsizetype>(z.total_out));
    deflateEnd(&z);
    return rc == Z_STREAM_END ? out : QByteArray();
}

} // namespace

namespace {

constexpr int kMaxRedirects = 5;
// Used when libgit2 opens a connection outside any attempt (not in RepoDeck,
// but never hang if it happens).
const Millis kFallbackConnect{30'000};
const Millis kFallbackStall{120'000};
const QByteArray kUserAgent = QByteArrayLiteral("git/2.0 (RepoDeck " REPODECK_VERSION ")");

struct Service
{
    bool advertisement; // GET info/refs, else POST
    const char *path;
    const char *contentType; // expected answer
    const char *requestType; // POST body
};

Service serviceOf(git_smart_service_t action)
{
    switch (action) {
    case GIT_SERVICE_UPLOADPACK_LS:
        return {true, "/info/refs?service=git-upload-pack",
                "application/x-git-upload-pack-advertisement", nullptr};
    case GIT_SERVICE_UPLOADPACK:
        return {false, "/git-upload-pack", "application/x-git-upload-pack-result",
                "application/x-git-upload-pack-request"};
    case GIT_SERVICE_RECEIVEPACK_LS:
        return {true, "/info/refs?service=git-receive-pack",
                "application/x-git-receive-pack-advertisement", nullptr};
    case GIT_SERVICE_RECEIVEPACK:
        return {false, "/git-receive-pack", "application/x-git-receive-pack-result",
                "application/x-git-receive-pack-request"};
    }
    return {true, "", "", nullptr};
}

bool isRedirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

WaitLimits currentLimits()
{
    AttemptContext *attempt = AttemptContext::current();
    WaitLimits limits;
    limits.attempt = attempt;
    limits.connect = attempt ? attempt->connectTimeout() : kFallbackConnect;
    limits.stall = attempt ? attempt->stallTimeout() : kFallbackStall;
    return limits;
}

} // namespace

struct HttpStream
{
    git_smart_subtransport_stream parent; // first: libgit2 hands us back this pointer
    HttpSubtransport *owner = nullptr;
    git_smart_service_t action = GIT_SERVICE_UPLOADPACK_LS;
    QByteArray body;
    std::shared_ptr<HttpExchange> exchange;
    std::unique_ptr<BodyDecoder> decoder; // set with `answered`
    bool answered = false;                // head checked, body being read
    bool failed = false;

    static HttpStream *of(git_smart_subtransport_stream *s)
    {
        return reinterpret_cast<HttpStream *>(s);
    }

    static int read(git_smart_subtransport_stream *s, char *buffer, size_t size, size_t *bytesRead)
    {
        HttpStream *self = of(s);
        return self->owner->read(*self, buffer, size, bytesRead);
    }

    static int write(git_smart_subtransport_stream *s, const char *buffer, size_t len)
    {
        HttpStream *self = of(s);
        if (serviceOf(self->action).advertisement || self->answered) {
            git_error_set_str(GIT_ERROR_NET, "cannot write to this HTTP stream");
            return -1;
        }
        // Buffered whole: a POST is sent once libgit2 starts reading the answer,
        // and may have to be sent again (credentials, accepted certificate).
        self->body.append(buffer, static_cast<qsizetype>(len));
        return 0;
    }

    static void free(git_smart_subtransport_stream *s)
    {
        HttpStream *self = of(s);
        self->owner->release(*self);
        delete self;
    }
};

git_smart_subtransport *HttpSubtransport::create(git_transport *transport, git_remote *remote)
{
    auto *t = new HttpSubtransport;
    std::memset(&t->m_parent, 0, sizeof t->m_parent);
    t->m_parent.action = &HttpSubtransport::action;
    t->m_parent.close = &HttpSubtransport::close;
    t->m_parent.free = &HttpSubtransport::free;
    t->m_transport = transport;
    t->m_remote = remote;
    return &t->m_parent;
}

int HttpSubtransport::action(git_smart_subtransport_stream **out, git_smart_subtransport *base,
                             const char *url, git_smart_service_t service)
{
    auto *t = reinterpret_cast<HttpSubtransport *>(base);
    *out = nullptr;
    if (const int rc = t->prepare(url); rc < 0)
        return rc;
    auto *s = new HttpStream;
    std::memset(&s->parent, 0, sizeof s->parent);
    s->parent.subtransport = base;
    s->parent.read = &HttpStream::read;
    s->parent.write = &HttpStream::write;
    s->parent.free = &HttpStream::free;
    s->owner = t;
    s->action = service;
    *out = &s->parent;
    return 0;
}

int HttpSubtransport::close(git_smart_subtransport *)
{
    return 0; // streams own their requests; the connection pool stays for the next action
}

void HttpSubtransport::free(git_smart_subtransport *base)
{
    delete reinterpret_cast<HttpSubtransport *>(base);
}

int HttpSubtransport::prepare(const char *url)
{
    if (!m_pool) {
        // The connect options (callbacks, proxy, headers) exist by the first action.
        ProxyChoice proxy;
        git_remote_connect_options options;
        git_remote_connect_options_init(&options, GIT_REMOTE_CONNECT_OPTIONS_VERSION);
        if (git_transport_remote_connect_options(&options, m_transport) == 0) {
            proxy = chooseProxy(m_remote, options.proxy_opts);
            for (size_t i = 0; i < options.custom_headers.count; ++i) {
                const QByteArray line(options.custom_headers.strings[i]);
                const qsizetype colon = line.indexOf(':');
                if (colon > 0)
                    m_customHeaders.emplaceBack(line.left(colon).trimmed(),
                                                line.mid(colon + 1).trimmed());
            }
            git_remote_connect_options_dispose(&options);
        }
        git_error_clear();
        if (proxy.mode != ProxyChoice::Mode::System)
            spdlog::debug("http transport: proxy from {}", proxy.source.toStdString());
        m_pool = std::make_unique<HttpPoolHandle>(proxy);
        QString error;
        if (!m_pool->isValid(&error)) {
            m_pool.reset();
            git_error_set_str(GIT_ERROR_NET, error.toUtf8().constData());
            return -1;
        }
    }
    if (m_givenUrl != url) {
        m_givenUrl = url;
        QUrl parsed = QUrl::fromEncoded(m_givenUrl, QUrl::TolerantMode);
        if (!parsed.isValid() || parsed.host().isEmpty()) {
            git_error_set_str(GIT_ERROR_NET, "invalid URL for the HTTP transport");
            return -1;
        }
        const std::optional<CredentialOrigin> origin = CredentialOrigin::fromUrl(parsed);
        if (!origin) {
            git_error_set_str(GIT_ERROR_NET, "invalid URL for the HTTP transport");
            return -1;
        }
        m_credentials.setUrlCredentials(*origin, parsed.userName(), parsed.password());
        parsed.setUserInfo(QString());
        parsed.setQuery(QString());
        parsed.setFragment(QString());
        m_base = parsed.toEncoded();
        while (m_base.endsWith('/'))
            m_base.chop(1);
        noteOrigin();
    }
    return 0;
}

void HttpSubtransport::noteOrigin()
{
    const QUrl base = QUrl::fromEncoded(m_base, QUrl::TolerantMode);
    if (const std::optional<CredentialOrigin> origin = CredentialOrigin::fromUrl(base))
        m_credentials.setOrigin(*origin, base.path(QUrl::FullyEncoded).mid(1));
}

QString HttpSubtransport::hostText() const
{
    const QUrl url = QUrl::fromEncoded(m_base);
    return url.port() > 0 ? QStringLiteral("%1:%2").arg(url.host()).arg(url.port()) : url.host();
}

HttpRequestSpec HttpSubtransport::buildRequest(const HttpStream &stream) const
{
    const Service service = serviceOf(stream.action);
    HttpRequestSpec spec;
    spec.url = QUrl::fromEncoded(m_base + service.path, QUrl::TolerantMode);
    spec.post = !service.advertisement;
    spec.headers.emplaceBack(QByteArray("User-Agent"), QByteArray(kUserAgent));
    // Named here so that Qt does not decompress on its own (see BodyDecoder).
    spec.headers.emplaceBack(QByteArray("Accept-Encoding"), QByteArray("gzip"));
    if (service.advertisement) {
        spec.headers.emplaceBack(QByteArray("Accept"), QByteArray("*/*"));
        spec.headers.emplaceBack(QByteArray("Pragma"), QByteArray("no-cache"));
    } else {
        spec.headers.emplaceBack(QByteArray("Accept"), QByteArray(service.contentType));
        spec.headers.emplaceBack(QByteArray("Content-Type"), QByteArray(service.requestType));
        spec.body = stream.body;
        // As git does, a fetch negotiation over 1 KiB goes gzip-compressed:
        // want/have lines halve (ids are random hex), so up to about 600 of
        // them fit one of Qt's 16 KiB socket writes (a larger body can wait
        // for the server's delayed ACK on a kept-alive HTTP/1.1 connection).
        if (stream.action == GIT_SERVICE_UPLOADPACK && spec.body.size() > 1024) {
            if (const QByteArray packed = gzip(spec.body); !packed.isEmpty()) {
                spec.body = packed;
                spec.headers.emplaceBack(QByteArray("Content-Encoding"), QByteArray("gzip"));
            }
        }
    }
    if (!m_credentials.authorization().isEmpty())
        spec.headers.emplaceBack(QByteArray("Authorization"),
                                 QByteArray(m_credentials.authorization()));
    spec.headers.append(m_customHeaders);
    return spec;
}

int HttpSubtransport::executeRequest(HttpStream &stream)
{
    const Service service = serviceOf(stream.action);
    AttemptContext *attempt = AttemptContext::current();
    int redirects = 0;
    while (true) {
        const HttpRequestSpec spec = buildRequest(stream);
        stream.exchange = m_pool->send(spec);
        const WaitLimits limits = currentLimits();
        const WaitResult waited = stream.exchange->waitForHead(limits);
        if (waited != WaitResult::Ready) {
            release(stream);
            return failWait(waited, limits, hostText());
        }
        if (!stream.exchange->hasHead()) {
            const HttpFailure failure = stream.exchange->failure();
            release(stream);
            if (!failure.tlsErrors.isEmpty()) {
                const int rc = checkCertificate(failure);
                if (rc == 1)
                    continue;
                return rc;
            }
            return failNetwork(failure, hostText());
        }

        const HttpResponseHead head = stream.exchange->head();
        if (attempt) {
            attempt->setHttpStatus(head.status);
            attempt->setHttpVersion(head.http2);
            const QByteArray retryAfter = head.header("Retry-After");
            if (!retryAfter.isEmpty())
                attempt->setRetryAfter(
                    parseRetryAfter(retryAfter, QDateTime::currentDateTimeUtc()));
        }
        if (service.advertisement && isRedirect(head.status)) {
            release(stream);
            if (const int rc = followRedirect(head, spec.url, service.path, ++redirects); rc < 0)
                return rc;
            continue;
        }
        if (head.status == 401) {
            release(stream);
            if (const int rc = m_credentials.next(m_transport, head.header("WWW-Authenticate"),
                                                  hostText());
                rc < 0)
                return rc;
            continue;
        }
        if (head.status == 407) {
            // Only plain http through an HTTP proxy reads the proxy's own
            // answer here (https's CONNECT is Qt's socket's).
            release(stream);
            HttpFailure proxyAuth;
            proxyAuth.networkError = QNetworkReply::ProxyAuthenticationRequiredError;
            proxyAuth.text = proxyAuthenticationText(head);
            return failNetwork(proxyAuth, hostText());
        }
        if (head.status != 200) {
            release(stream);
            return failStatus(head.status);
        }
        const QByteArray type = head.header("Content-Type");
        const qsizetype semicolon = type.indexOf(';');
        if ((semicolon < 0 ? type : type.left(semicolon)).trimmed().toLower()
            != service.contentType) {
            release(stream);
            // A "dumb" HTTP server or not git at all: retrying will not help.
            git_error_set_str(GIT_ERROR_HTTP,
                              QStringLiteral(
                                  "invalid content-type '%1' from %2: expected %3 "
                                  "(the server does not speak git's smart HTTP protocol)")
                                  .arg(QString::fromLatin1(type), hostText(),
                                       QString::fromLatin1(service.contentType))
                                  .toUtf8()
                                  .constData());
            return -1;
        }
        const QByteArray coding = head.header("Content-Encoding");
        const std::optional<BodyDecoder::Encoding> encoding = BodyDecoder::encodingOf(coding);
        if (!encoding) {
            release(stream);
            git_error_set_str(GIT_ERROR_HTTP,
                              QStringLiteral(
                                  "%1 answered with Content-Encoding '%2', which RepoDeck "
                                  "did not ask for and cannot read")
                                  .arg(hostText(), QString::fromLatin1(coding.left(64)))
                                  .toUtf8()
                                  .constData());
            return -1;
        }
        const bool pack = stream.action == GIT_SERVICE_UPLOADPACK;
        const QString what = service.advertisement
                                 ? QStringLiteral("the ref advertisement of %1").arg(hostText())
                                 : QStringLiteral("the answer of %1 to %2")
                                       .arg(hostText(), QString::fromLatin1(service.path + 1));
        stream.decoder = std::make_unique<BodyDecoder>(
            *encoding, pack ? BodyLimits::packStream() : BodyLimits::inMemory(), what);
        stream.answered = true;
        return 0;
    }
}

int HttpSubtransport::followRedirect(const HttpResponseHead &head, const QUrl &requested,
                                     const char *suffix, int count)
{
    if (count > kMaxRedirects) {
        git_error_set_str(GIT_ERROR_HTTP, "too many redirects (more than 5)");
        return -1;
    }
    const QByteArray location = head.header("Location");
    const QUrl target = requested.resolved(QUrl::fromEncoded(location, QUrl::TolerantMode));
    const QString scheme = target.scheme().toLower();
    if (location.isEmpty() || !target.isValid() || target.host().isEmpty()
        || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
        git_error_set_str(GIT_ERROR_HTTP, "invalid redirect: no usable Location header");
        return -1;
    }
    if (requested.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0
        && scheme != QLatin1String("https")) {
        git_error_set_str(GIT_ERROR_HTTP, "refusing to follow a redirect from https to http");
        return -1;
    }
    const QByteArray encoded = target.toEncoded(QUrl::RemoveUserInfo);
    if (!encoded.endsWith(suffix)) {
        // git's rule: the new location must keep the request's tail, so the
        // repository's base URL can be derived from it.
        git_error_set_str(GIT_ERROR_HTTP,
                          QStringLiteral("invalid redirect to %1: it does not end in %2")
                              .arg(target.toDisplayString(QUrl::RemoveUserInfo),
                                   QString::fromLatin1(suffix))
                              .toUtf8()
                              .constData());
        return -1;
    }
    // Credentials follow the origin, not the redirect: what the old one
    // accepted (or the URL carried) stays with it.
    m_base = encoded.left(encoded.size() - static_cast<qsizetype>(std::strlen(suffix)));
    noteOrigin();
    spdlog::debug("http transport: redirected to {}",
                  target.toDisplayString(QUrl::RemoveUserInfo).toStdString());
    return 0;
}

int HttpSubtransport::checkCertificate(const HttpFailure &failure)
{
    const QString host = QUrl::fromEncoded(m_base).host();
    const QByteArray sha256 = QCryptographicHash::hash(failure.peerCertificate,
                                                       QCryptographicHash::Sha256);
    if (!failure.peerCertificate.isEmpty() && !m_certificatesAsked.contains(sha256)) {
        // Once per certificate: the application's certificate_check callback
        // may accept what the system trust store does not know.
        m_certificatesAsked.insert(sha256);
        QByteArray der = failure.peerCertificate;
        git_cert_x509 cert;
        cert.parent.cert_type = GIT_CERT_X509;
        cert.data = der.data();
        cert.len = static_cast<size_t>(der.size());
        git_error_clear();
        const QByteArray hostUtf8 = host.toUtf8();
        const int rc = git_transport_smart_certificate_check(m_transport, &cert.parent, 0,
                                                             hostUtf8.constData());
        if (rc == 0) {
            m_pool->trustCertificate(sha256);
            return 1;
        }
        if (rc < 0 && rc != GIT_PASSTHROUGH) {
            if (!git_error_last())
                git_error_set_str(GIT_ERROR_SSL,
                                  QStringLiteral("the certificate of %1 was rejected")
                                      .arg(host)
                                      .toUtf8()
                                      .constData());
            return rc;
        }
    }
    return failCertificate(failure, hostText());
}

int HttpSubtransport::read(HttpStream &stream, char *buffer, size_t size, size_t *bytesRead)
{
    *bytesRead = 0;
    if (stream.failed) {
        git_error_set_str(GIT_ERROR_NET, "the HTTP request already failed");
        return -1;
    }
    if (!stream.answered) {
        if (const int rc = executeRequest(stream); rc < 0) {
            stream.failed = true;
            return rc;
        }
    }
    if (size == 0)
        return 0;
    BodyDecoder &decoder = *stream.decoder;
    const auto refuse = [&] {
        stream.failed = true;
        release(stream);
        git_error_set_str(GIT_ERROR_HTTP, decoder.error().toUtf8().constData());
        return -1;
    };
    char chunk[16 * 1024];
    while (true) {
        if (!decoder.needsInput()) {
            const qint64 n = decoder.produce(buffer, size);
            if (n < 0)
                return refuse();
            if (n > 0) {
                *bytesRead = static_cast<size_t>(n);
                return 0;
            }
            continue;
        }
        bool pump = false;
        const bool direct = decoder.isIdentity();
        const size_t n = direct ? stream.exchange->take(buffer, size, &pump)
                                : stream.exchange->take(chunk, sizeof chunk, &pump);
        if (pump)
            m_pool->pump(stream.exchange);
        if (n > 0) {
            if (AttemptContext *attempt = AttemptContext::current())
                attempt->addBytesReceived(static_cast<qint64>(n));
            if (!direct) {
                decoder.push(chunk, n);
                continue;
            }
            if (!decoder.countPassedThrough(static_cast<qint64>(n)))
                return refuse();
            *bytesRead = n;
            return 0;
        }
        if (stream.exchange->isFinished()) {
            const HttpFailure failure = stream.exchange->failure();
            if (failure.networkError == 0)
                return decoder.finish() ? 0 : refuse(); // end of the response
            stream.failed = true;
            release(stream);
            return failNetwork(failure, hostText());
        }
        const WaitLimits limits = currentLimits();
        const WaitResult waited = stream.exchange->waitForData(limits);
        if (waited != WaitResult::Ready) {
            stream.failed = true;
            release(stream);
            return failWait(waited, limits, hostText());
        }
    }
}

void HttpSubtransport::release(HttpStream &stream)
{
    if (stream.exchange && m_pool)
        m_pool->release(stream.exchange);
    stream.exchange.reset();
}

} // namespace repodeck::core::http
