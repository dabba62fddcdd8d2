#pragma once

// Synthetic histories for the checkpointed-clone tests (tst_checkpoint):
// built with git fast-import from incompressible blobs, so their packs are
// as large as planned.
#include "GitRepoFactory.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QList>
#include <QRandomGenerator>
#include <QString>
#include <functional>

namespace repodeck::test::checkpoint {

inline constexpr int kTags = 24;
inline constexpr qint64 kBytesPerTag = 700'000; // incompressible: ~17 MB of history
inline constexpr qint64 kCutAfter = 3'000'000;  // every connection dies after 3 MB

// One commit of a synthetic history built with git fast-import: on `branch`,
// forked from the commit `from` (an index into the list, -1: the branch's
// last commit), with its own committer date, an incompressible file and
// optionally a tag.
struct Planned
{
    QString branch = QStringLiteral("main");
    int from = -1;
    qint64 time = 0;
    qint64 bytes = 0;
    QString tag;
    int merge = -1; // a second parent (an index into the list), -1: none
};

inline QByteArray dataBlock(const QByteArray &payload)
{
    return "data " + QByteArray::number(payload.size()) + '\n' + payload + '\n';
}

// A bare repository `name` under `root` holding `history`, repacked so that
// its pack is what a plain clone receives. Returns its path ("" on failure).
inline QString buildHistory(const QString &root, const QString &name, const QList<Planned> &history,
                            quint32 seed)
{
    const QString bare = root + QLatin1Char('/') + name;
    int rc = -1;
    GitRepoFactory::git({"init", "-q", "--bare", "-b", "main", bare}, root, &rc);
    if (rc != 0)
        return {};
    QRandomGenerator random(seed);
    QByteArray stream;
    for (int i = 0; i < history.size(); ++i) {
        const Planned &c = history.at(i);
        QByteArray blob(int(c.bytes), Qt::Uninitialized);
        random.fillRange(reinterpret_cast<quint32 *>(blob.data()), blob.size() / 4);
        stream += "commit refs/heads/" + c.branch.toUtf8() + "\nmark :" + QByteArray::number(i + 1)
                  + '\n';
        stream += "committer t <t@example.invalid> " + QByteArray::number(c.time) + " +0000\n";
        stream += dataBlock("commit " + QByteArray::number(i));
        if (c.from >= 0)
            stream += "from :" + QByteArray::number(c.from + 1) + '\n';
        if (c.merge >= 0)
            stream += "merge :" + QByteArray::number(c.merge + 1) + '\n';
        stream += "M 100644 inline f" + QByteArray::number(i) + ".bin\n" + dataBlock(blob);
        if (!c.tag.isEmpty()) // annotated and lightweight tags alternate
            stream += i % 2 ? "tag " + c.tag.toUtf8() + "\nfrom :" + QByteArray::number(i + 1)
                                  + "\ntagger t <t@example.invalid> " + QByteArray::number(c.time)
                                  + " +0000\n" + dataBlock("release")
                            : "reset refs/tags/" + c.tag.toUtf8()
                                  + "\nfrom :" + QByteArray::number(i + 1) + "\n\n";
    }
    stream += "done\n";
    GitRepoFactory::gitWithInput({"fast-import", "--quiet", "--done"}, bare, stream, &rc);
    if (rc != 0)
        return {};
    GitRepoFactory::git({"repack", "-adq"}, bare, &rc);
    return rc == 0 ? bare : QString();
}

// A bare repository `name` under `root` of `tags` small commits in a line,
// each tagged (annotated and lightweight alternate), one file changing:
// the shape of a project with a long release history.
inline QString buildManyTags(const QString &root, const QString &name, int tags)
{
    const QString bare = root + QLatin1Char('/') + name;
    int rc = -1;
    GitRepoFactory::git({"init", "-q", "--bare", "-b", "main", bare}, root, &rc);
    if (rc != 0)
        return {};
    const qint64 start = QDateTime::currentSecsSinceEpoch() - 86400;
    QByteArray stream;
    for (int i = 0; i < tags; ++i) {
        const QByteArray mark = QByteArray::number(i + 1);
        const QByteArray when = QByteArray::number(start + i);
        const QByteArray tag = "v" + QByteArray::number(i / 100) + '.'
                               + QByteArray::number(i % 100);
        stream += "commit refs/heads/main\nmark :" + mark + "\ncommitter t <t@example.invalid> "
                  + when + " +0000\n";
        stream += dataBlock("commit " + mark) + "M 100644 inline f.txt\n"
                  + dataBlock("release " + mark + '\n');
        stream += i % 2 ? "tag " + tag + "\nfrom :" + mark + "\ntagger t <t@example.invalid> "
                              + when + " +0000\n" + dataBlock("release " + tag)
                        : "reset refs/tags/" + tag + "\nfrom :" + mark + "\n\n";
    }
    stream += "done\n";
    GitRepoFactory::gitWithInput({"fast-import", "--quiet", "--done"}, bare, stream, &rc);
    if (rc != 0)
        return {};
    GitRepoFactory::git({"pack-refs", "--all"}, bare, &rc);
    if (rc == 0)
        GitRepoFactory::git({"repack", "-adq"}, bare, &rc);
    return rc == 0 ? bare : QString();
}

inline qint64 packBytes(const QString &bare)
{
    qint64 total = 0;
    for (const QFileInfo &f : QDir(bare + "/objects/pack").entryInfoList({"*.pack"}, QDir::Files))
        total += f.size();
    return total;
}

// A straight history of `tags` tagged commits of `bytes` each, dated a minute apart.
inline QList<Planned> straightHistory(int tags, qint64 bytes,
                                      const std::function<QString(int)> &tagName)
{
    QList<Planned> h;
    const qint64 start = QDateTime::currentSecsSinceEpoch() - 86400;
    for (int i = 0; i < tags; ++i) {
        Planned c;
        c.time = start + 60 * i;
        c.bytes = bytes;
        c.tag = tagName(i);
        h << c;
    }
    return h;
}

// 30 tags in a line, each with a topic branch of two commits forked there.
inline QList<Planned> manyBranches(const QString &tagPrefix)
{
    QList<Planned> h = straightHistory(30, 100'000, [&](int i) {
        return QString("%1.%2").arg(tagPrefix).arg(i);
    });
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    for (int i = 0; i < 30; ++i) {
        for (int j = 0; j < 2; ++j) {
            Planned c;
            c.branch = QString("topic-%1").arg(i, 2, 10, QChar('0'));
            c.from = j == 0 ? i : -1;
            c.time = now - 3600 + 60 * i + j;
            c.bytes = 100'000;
            h << c;
        }
    }
    return h;
}

} // namespace repodeck::test::checkpoint
