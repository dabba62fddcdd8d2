#pragma once

// What the tests of the Qt Network HTTP(S) transport share (tst_http_transport,
// tst_http_tls, tst_http_proxy): git http-backend behind HttpGitServer, plain,
// with a certificate of the test CA (trusted) and self-signed; in-process
// clones with callbacks of the test's own; scoped settings.
#include "SyncHarness.h"

#include "GitRepoFactory.h"
#include "HttpGitServer.h"
#include "TestPki.h"
#include "net/NetworkSetup.h"
#include "net/http/HttpBackend.h"
#include "retry/AttemptContext.h"
#include "retry/FailureCapture.h"

#include <QCryptographicHash>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QtTest>

#include <git2.h>

namespace repodeck::test {

using core::ErrorCategory;
using core::Millis;
using core::Outcome;

// Resolvable by HttpProxyServer only: a request that bypasses the proxy fails.
inline const QString kProxiedHost = QStringLiteral("git.repodeck.test");

// What the libgit2 callbacks of an in-process clone saw and should answer.
struct Callbacks
{
    QByteArray username;
    QByteArray password;
    int credentialCalls = 0;
    QByteArray urlUser;                      // the user libgit2 passed (from the URL)
    int acceptCertificate = GIT_PASSTHROUGH; // what certificate_check returns
    int certificateCalls = 0;
    QByteArray certificateDer;
};

inline int onCredentials(git_credential **out, const char *, const char *user, unsigned int allowed,
                         void *payload)
{
    auto *cb = static_cast<Callbacks *>(payload);
    ++cb->credentialCalls;
    cb->urlUser = user ? QByteArray(user) : QByteArray();
    if (!(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
        return GIT_PASSTHROUGH;
    return git_credential_userpass_plaintext_new(out, cb->username.constData(),
                                                 cb->password.constData());
}

inline int onCertificate(git_cert *cert, int, const char *, void *payload)
{
    auto *cb = static_cast<Callbacks *>(payload);
    ++cb->certificateCalls;
    if (cert->cert_type == GIT_CERT_X509) {
        const auto *x509 = reinterpret_cast<const git_cert_x509 *>(cert);
        cb->certificateDer = QByteArray(static_cast<const char *>(x509->data),
                                        static_cast<qsizetype>(x509->len));
    }
    return cb->acceptCertificate;
}

struct DirectResult
{
    int rc = 0;
    core::SyncError error;
};

// A clone the way SyncJob runs one (inside an attempt), but with callbacks
// of the test's own: RepoDeck sets none yet (the credentials issue will).
inline DirectResult directClone(const QString &url, const QString &path, Callbacks *callbacks)
{
    core::AttemptContext attempt(Millis(5000), Millis(5000), Millis(30'000),
                                 std::make_shared<core::CancelToken>());
    core::AttemptScope scope(&attempt);
    git_clone_options options;
    git_clone_options_init(&options, GIT_CLONE_OPTIONS_VERSION);
    if (callbacks) {
        options.fetch_opts.callbacks.credentials = onCredentials;
        options.fetch_opts.callbacks.certificate_check = onCertificate;
        options.fetch_opts.callbacks.payload = callbacks;
    }
    git_repository *repo = nullptr;
    DirectResult result;
    result.rc = git_clone(&repo, url.toUtf8().constData(), QFile::encodeName(path).constData(),
                          &options);
    if (result.rc < 0)
        result.error = core::captureFailure(result.rc, &attempt, QUrl(url).host());
    git_repository_free(repo);
    return result;
}

inline QByteArray sha256OfPem(const QByteArray &pem)
{
    const QList<QSslCertificate> certs = QSslCertificate::fromData(pem, QSsl::Pem);
    return certs.isEmpty()
               ? QByteArray()
               : QCryptographicHash::hash(certs.first().toDer(), QCryptographicHash::Sha256);
}

inline QStringList partialLeftovers(const QString &path)
{
    return QDir(QFileInfo(path).path())
        .entryList({QStringLiteral("*partial*")}, QDir::AllEntries | QDir::Hidden);
}

// Sets or clears an environment variable for one scope.
class EnvGuard
{
public:
    EnvGuard(const char *name, const QByteArray &value)
        : m_name(name)
        , m_had(qEnvironmentVariableIsSet(name))
        , m_old(qgetenv(name))
    {
        if (value.isNull())
            qunsetenv(name);
        else
            qputenv(name, value);
    }
    ~EnvGuard()
    {
        if (m_had)
            qputenv(m_name, m_old);
        else
            qunsetenv(m_name);
    }

private:
    const char *m_name;
    bool m_had;
    QByteArray m_old;
};

// One HTTP backend for one scope; the test's default (Qt) afterwards.
class BackendGuard
{
public:
    explicit BackendGuard(const QString &backend)
    {
        QVERIFY(core::http::useHttpBackend(backend == QLatin1String("libgit2")
                                               ? core::http::HttpBackend::Libgit2
                                               : core::http::HttpBackend::Qt));
    }
    ~BackendGuard() { core::http::useHttpBackend(core::http::HttpBackend::Qt); }
};

// libgit2's trusted CA file for one scope, then `restore`.
class CertLocationGuard
{
public:
    CertLocationGuard(const QString &file, const QString &restore)
        : m_restore(QFile::encodeName(restore))
    {
        git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, QFile::encodeName(file).constData(),
                         nullptr);
    }
    ~CertLocationGuard()
    {
        git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, m_restore.constData(), nullptr);
    }

private:
    QByteArray m_restore;
};

// libgit2's global git configuration folder for one scope (the user's ~/.gitconfig).
class GlobalConfigGuard
{
public:
    explicit GlobalConfigGuard(const QString &folder)
    {
        git_buf previous = GIT_BUF_INIT;
        git_libgit2_opts(GIT_OPT_GET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, &previous);
        m_old = QByteArray(previous.ptr, static_cast<qsizetype>(previous.size));
        git_buf_dispose(&previous);
        git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL,
                         QFile::encodeName(folder).constData());
    }
    ~GlobalConfigGuard()
    {
        git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, m_old.constData());
    }

private:
    QByteArray m_old;
};

// The servers and helpers of one test case; initTestCase() calls
// startServers(), cleanup() resetServers().
class HttpTransportFixture : public QObject
{
protected:
    QTemporaryDir m_tmp;
    QString m_root;
    TestPki m_pki;
    HttpGitServer m_http;
    HttpGitServer m_https;      // certificate signed by the test CA (trusted)
    HttpGitServer m_selfSigned; // a certificate nobody vouches for
    int m_counter = 0;

    QString target() { return m_tmp.filePath(QStringLiteral("clones/c%1").arg(++m_counter)); }
    QString serverHead(const QString &repo)
    {
        return GitRepoFactory::revParse(m_root + '/' + repo, "main");
    }

    core::RepoResult syncOnce(SyncHarness &h, const QString &name, const QString &url,
                              const QString &path, int attempts = 1)
    {
        return h.syncAndWait(h.spec(name, url, path), fastPolicy(attempts));
    }

    void startServers()
    {
        QCOMPARE(core::initializeNetwork(), QString());
        // The default; forced so a developer's setting cannot change what is tested.
        QVERIFY(core::http::useHttpBackend(core::http::HttpBackend::Qt));
        m_root = m_tmp.filePath("srv");
        QDir().mkpath(m_root);
        QVERIFY(!GitRepoFactory::createBareRepo(m_root, "small.git", 3).isEmpty());
        const QString large = GitRepoFactory::createBareRepo(m_root, "large.git", 1);
        QVERIFY(GitRepoFactory::addLargeFile(large, 1'200'000));
        QVERIFY(!GitRepoFactory::createBareRepo(m_root, "push.git", 2).isEmpty());

        QString error;
        QVERIFY2(m_pki.create(m_tmp.filePath("pki"), {QStringLiteral("127.0.0.1"), kProxiedHost},
                              &error),
                 qPrintable(error));
        // Qt's client and libgit2's (the libgit2 rows of the proxy tests) trust the test CA.
        QVERIFY(m_pki.trustCaInBothClients());

        QVERIFY(m_http.start(m_root));
        m_https.setTls(m_pki.serverPem + m_pki.caPem, m_pki.serverKeyPem);
        QVERIFY(m_https.start(m_root));
        m_selfSigned.setTls(m_pki.selfSignedPem, m_pki.selfSignedKeyPem);
        QVERIFY(m_selfSigned.start(m_root));
    }

    void resetServers()
    {
        for (HttpGitServer *s : {&m_http, &m_https, &m_selfSigned}) {
            s->clearFaults();
            s->clearBasicAuth();
            s->setUrlHost(QStringLiteral("127.0.0.1"));
            s->resetCounters();
        }
    }
};

} // namespace repodeck::test
