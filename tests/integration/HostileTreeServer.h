#pragma once

// What tst_hostile_tree and tst_checkout_bounds share: trees built object by
// object (HostileTrees.h) served by a real bare repository.

#include "HostileTrees.h"
#include "GitRepoFactory.h"
#include "SyncHarness.h"

#include <QDir>
#include <QFile>

namespace repodeck::test {

inline core::RetryPolicy oneShot()
{
    core::RetryPolicy p = fastPolicy(1);
    p.attemptTimeout = core::Millis(60'000);
    p.checkpoint = core::Checkpoint::Never;
    return p;
}

inline TreeEntry file(TreeBuilder &b, const QByteArray &name, const QByteArray &content = "x\n")
{
    return {"100644", name, b.blob(content)};
}

// 16^levels folders of `perFolder` files (786,432 by default, inside the
// limits) from levels + 2 objects. libgit2's checkout of it runs for minutes
// whatever the attempt's time; RepoDeck's writers stop with the attempt.
inline QByteArray largeTree(TreeBuilder &b, int perFolder = 12, const QByteArray &content = "x\n",
                            int levels = 4)
{
    QList<TreeEntry> files;
    for (int i = 0; i < perFolder; ++i)
        files << file(b, "f" + QByteArray::number(i).rightJustified(2, '0'),
                      content); // git's order
    QByteArray t = b.tree(files);
    for (int level = 0; level < levels; ++level) {
        QList<TreeEntry> entries;
        for (int i = 0; i < 16; ++i)
            entries << TreeEntry{"40000", QByteArray::number(i).rightJustified(2, '0'), t};
        t = b.tree(entries);
    }
    return t;
}

// A bare repository at `bare` whose main is a commit of `tree`, from the
// builder's pack (git index-pack checks it).
inline bool serveTree(const QString &bare, TreeBuilder &b, const QByteArray &tree, QString *error)
{
    int rc = 0;
    auto git = [&](const QStringList &args) {
        const QString out = GitRepoFactory::git(
            QStringList{"-c", "user.name=t", "-c", "user.email=t@t"} + args, bare, &rc);
        if (rc != 0 && error->isEmpty())
            *error = "git " + args.join(' ') + ": " + out;
        return out.trimmed();
    };
    if (!QDir().mkpath(bare))
        return false;
    git({"init", "-q", "--bare", "."});
    QByteArray tip;
    QFile pack(bare + "/objects/pack/pack-tree.pack");
    const QByteArray bytes = b.pack(tree, &tip);
    if (!pack.open(QIODevice::WriteOnly) || pack.write(bytes) != bytes.size())
        return false;
    pack.close();
    git({"index-pack", "objects/pack/pack-tree.pack"});
    const QString commit = git({"commit-tree", QString::fromLatin1(tip) + "^{tree}", "-m", "tree"});
    git({"update-ref", "refs/heads/main", commit});
    git({"symbolic-ref", "HEAD", "refs/heads/main"});
    return error->isEmpty();
}

} // namespace repodeck::test
