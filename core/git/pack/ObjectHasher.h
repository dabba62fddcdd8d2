#pragma once

#include <git2.h>

#include <QString>
#include <QtGlobal>

#include <cstddef>

namespace repodeck::core::git::pack {

// An object id computed piece by piece, for objects too large to hold:
// the same hash as git_odb_hash (libgit2's own, collision detection
// included). libgit2 1.5.1 has no public streaming hash, but its write
// streams hash what passes through them: this one writes into a private
// object database whose only backend keeps nothing.
class ObjectHasher
{
public:
    ObjectHasher() = default;
    ~ObjectHasher();
    ObjectHasher(const ObjectHasher &) = delete;
    ObjectHasher &operator=(const ObjectHasher &) = delete;

    // Starts an object of `type` that must be exactly `size` bytes.
    bool begin(git_object_t type, quint64 size);
    bool update(const void *data, size_t size);
    // False (and error() says why) unless exactly `size` bytes went in.
    bool finish(git_oid *out);
    const QString &error() const { return m_error; }

private:
    bool fail();
    void close();
    git_odb *m_odb = nullptr;
    git_odb_stream *m_stream = nullptr;
    QString m_error;
};

} // namespace repodeck::core::git::pack
