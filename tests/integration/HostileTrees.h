#pragma once

// Hostile trees for tst_hostile_tree, built object by object into a pack
// (HostilePack) that PackServer serves: git fsck would refuse them, so no
// git server would send them. Kept out of the Q_OBJECT file (moc).
#include "HostilePack.h"

#include <QByteArray>
#include <QList>

namespace repodeck::test {

struct TreeEntry
{
    QByteArray mode;
    QByteArray name;
    QByteArray id; // raw 20 bytes
};

class TreeBuilder
{
public:
    QByteArray blob(const QByteArray &content) { return add(HostilePack::Blob, content); }
    // In the order given: duplicates and any order are the point.
    QByteArray tree(const QList<TreeEntry> &entries)
    {
        QByteArray raw;
        for (const TreeEntry &e : entries)
            raw += e.mode + ' ' + e.name + '\0' + e.id;
        return add(HostilePack::Tree, raw);
    }
    // The pack (the trees, their blobs and one commit of `root`) and the commit's hex id.
    QByteArray pack(const QByteArray &root, QByteArray *tipHex)
    {
        const QByteArray commit = "tree " + root.toHex() + "\nauthor a <a@example.invalid> 1700000000 +0000\n"
                                  "committer a <a@example.invalid> 1700000000 +0000\n\nhostile\n";
        *tipHex = add(HostilePack::Commit, commit).toHex();
        return HostilePack::build(m_entries);
    }

private:
    QByteArray add(HostilePack::Type type, const QByteArray &content)
    {
        const QByteArray id = HostilePack::objectId(type, content);
        if (!m_ids.contains(id)) {
            m_ids << id;
            HostilePack::Entry e;
            e.type = type;
            e.payload = content;
            m_entries << e;
        }
        return id;
    }
    QList<QByteArray> m_ids;
    QList<HostilePack::Entry> m_entries;
};

} // namespace repodeck::test
