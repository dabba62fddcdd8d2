#include "state/RepoStateStore.h"

#include "util/LinkCheck.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QSet>

namespace repodeck::core {

QString RepoStateStore::pathFor(const QString &workspacePath)
{
    return workspacePath + QStringLiteral(".state.json");
}

Result<RepoStateStore, QString> RepoStateStore::load(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return RepoStateStore();
    if (!file.open(QIODevice::ReadOnly))
        return Result<RepoStateStore, QString>::failure(
            QStringLiteral("cannot read %1 (%2)").arg(path, file.errorString()));
    // RepoDeck writes far less (each message, timeline and name is cut to
    // a bound; RepoState.cpp): a larger file is not its own, and parsing it
    // whole cost seven times its size in memory (a 248 MB one, 1.7 GB).
    constexpr qint64 kMaxBytes = qint64(64) << 20;
    // The size first: read(kMaxBytes + 1) would allocate all of it.
    const QByteArray data = file.size() > kMaxBytes ? QByteArray() : file.readAll();
    if (file.size() > kMaxBytes || data.size() > kMaxBytes)
        return Result<RepoStateStore, QString>::failure(
            QStringLiteral(
                "%1 is larger than the 64 MiB RepoDeck ever writes there, so it was not read; move it "
                "away (RepoDeck then starts a new one) or restore a copy of your own")
                .arg(path));
    auto parsed = fromJson(data);
    if (!parsed)
        return Result<RepoStateStore, QString>::failure(
            QStringLiteral("%1: %2").arg(path, parsed.error()));
    return parsed;
}

Result<RepoStateStore, QString> RepoStateStore::fromJson(const QByteArray &data)
{
    using R = Result<RepoStateStore, QString>;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(data, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return R::failure(QStringLiteral("not valid JSON (%1)").arg(parseError.errorString()));
    const QJsonObject root = doc.object();
    if (root.value(QLatin1String("schema")).toInt(kSchemaVersion) > kSchemaVersion)
        return R::failure(QStringLiteral("written by a newer RepoDeck"));
    RepoStateStore store;
    const QJsonObject repos = root.value(QLatin1String("repositories")).toObject();
    for (auto it = repos.begin(); it != repos.end(); ++it)
        store.m_states.insert(it.key(), RepoState::fromJson(it.value().toObject()));
    return store;
}

QByteArray RepoStateStore::toJson() const
{
    QJsonObject repos;
    for (auto it = m_states.begin(); it != m_states.end(); ++it)
        repos.insert(it.key(), it.value().toJson());
    const QJsonObject root{
        {QStringLiteral("schema"), kSchemaVersion},
        {QStringLiteral("repositories"), repos},
    };
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

QString RepoStateStore::save(const QString &path) const
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return QStringLiteral("cannot create the folder %1").arg(info.absolutePath());
    if (QString e = refuseWritingThroughLink(path); !e.isEmpty())
        return e;
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QStringLiteral("cannot write %1 (%2)").arg(path, file.errorString());
    const QByteArray data = toJson();
    if (file.write(data) != data.size() || !file.commit())
        return QStringLiteral("cannot write %1 (%2)").arg(path, file.errorString());
    return {};
}

void RepoStateStore::retainOnly(const QStringList &names)
{
    const QSet<QString> keep(names.begin(), names.end());
    for (auto it = m_states.begin(); it != m_states.end();) {
        if (keep.contains(it.key()))
            ++it;
        else
            it = m_states.erase(it);
    }
}

} // namespace repodeck::core
