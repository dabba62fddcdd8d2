#include "net/http/CertificatePins.h"

#include "util/LinkCheck.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QSet>

#include <mutex>

namespace repodeck::core::http {

namespace {

std::mutex g_mutex;

QSet<QString> &pins()
{
    static QSet<QString> set;
    return set;
}

QString key(const QString &host, const QByteArray &sha256)
{
    return host.toLower() + QLatin1Char(' ') + QString::fromLatin1(sha256.toHex());
}

} // namespace

void pinCertificate(const QString &host, const QByteArray &sha256)
{
    std::lock_guard lock(g_mutex);
    pins().insert(key(host, sha256));
}

void unpinCertificate(const QString &host, const QByteArray &sha256)
{
    std::lock_guard lock(g_mutex);
    pins().remove(key(host, sha256));
}

bool isCertificatePinned(const QString &host, const QByteArray &sha256)
{
    std::lock_guard lock(g_mutex);
    return pins().contains(key(host, sha256));
}

namespace {

struct PinFile
{
    QJsonArray pins;
    QString error;
};

PinFile readPinFile(const QString &path)
{
    PinFile f;
    QFile file(path);
    if (!file.exists())
        return f;
    if (!file.open(QIODevice::ReadOnly)) {
        f.error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return f;
    }
    QJsonParseError pe{};
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()
        || !doc.object().value(QLatin1String("certificates")).isArray()) {
        f.error = QStringLiteral(
                      "%1 is not a pinned-certificates file (%2); it was left as it is. Fix or move "
                      "it away to pin certificates again.")
                      .arg(path, pe.error != QJsonParseError::NoError
                                     ? pe.errorString()
                                     : QStringLiteral("no \"certificates\" list"));
        return f;
    }
    f.pins = doc.object().value(QLatin1String("certificates")).toArray();
    return f;
}

} // namespace

QString pinnedCertificatesPath(const QString &workspacePath)
{
    return QFileInfo(workspacePath)
        .absoluteDir()
        .filePath(QStringLiteral("trusted-certificates.json"));
}

QString loadPinnedCertificates(const QString &path)
{
    const PinFile f = readPinFile(path);
    for (const QJsonValue v : f.pins) {
        const QJsonObject o = v.toObject();
        const QByteArray sha = QByteArray::fromHex(
            o.value(QLatin1String("sha256")).toString().toLatin1());
        const QString host = o.value(QLatin1String("host")).toString();
        if (sha.size() == 32 && !host.isEmpty())
            pinCertificate(host, sha);
    }
    return f.error;
}

QString savePinnedCertificate(const QString &path, const QString &host, const QByteArray &sha256,
                              const QString &description)
{
    PinFile f = readPinFile(path);
    if (!f.error.isEmpty())
        return f.error;
    QJsonObject pin;
    pin.insert(QStringLiteral("host"), host.toLower());
    pin.insert(QStringLiteral("sha256"), QString::fromLatin1(sha256.toHex()));
    pin.insert(QStringLiteral("subject"), description);
    pin.insert(QStringLiteral("pinned_at"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    f.pins.append(pin);
    QJsonObject root;
    root.insert(QStringLiteral("schema"), 1);
    root.insert(QStringLiteral("certificates"), f.pins);
    QDir().mkpath(QFileInfo(path).absolutePath());
    if (QString e = refuseWritingThroughLink(path); !e.isEmpty())
        return e;
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly) || out.write(QJsonDocument(root).toJson()) < 0
        || !out.commit())
        return QStringLiteral("cannot write %1: %2").arg(path, out.errorString());
    pinCertificate(host, sha256);
    return {};
}

} // namespace repodeck::core::http
