#include "git/pack/ObjectHasher.h"

// Before any Qt header: Qt's `foreach` macro would rename a member.
#include <git2/sys/odb_backend.h>

#include <new>

#undef foreach

namespace repodeck::core::git::pack {

namespace {

// The stream libgit2 hashes on its way in: the bytes go nowhere.
struct NullStream
{
    git_odb_stream parent;
};

int nullWrite(git_odb_stream *, const char *, size_t)
{
    return 0;
}

int nullFinalize(git_odb_stream *, const git_oid *)
{
    return 0;
}

void nullFree(git_odb_stream *s)
{
    delete reinterpret_cast<NullStream *>(s);
}

int nullWritestream(git_odb_stream **out, git_odb_backend *backend, git_object_size_t, git_object_t)
{
    auto *s = new (std::nothrow) NullStream{};
    if (!s)
        return -1;
    s->parent.backend = backend;
    s->parent.mode = GIT_STREAM_WRONLY;
    s->parent.write = &nullWrite;
    s->parent.finalize_write = &nullFinalize;
    s->parent.free = &nullFree;
    *out = &s->parent;
    return 0;
}

void freeBackend(git_odb_backend *b)
{
    delete b;
}

} // namespace

ObjectHasher::~ObjectHasher()
{
    close();
    if (m_odb)
        git_odb_free(m_odb);
}

bool ObjectHasher::fail()
{
    const git_error *e = git_error_last();
    m_error = QString::fromUtf8(e ? e->message : "hashing an object failed");
    close();
    return false;
}

void ObjectHasher::close()
{
    if (m_stream)
        git_odb_stream_free(m_stream);
    m_stream = nullptr;
}

bool ObjectHasher::begin(git_object_t type, quint64 size)
{
    close();
    if (!m_odb) {
        if (git_odb_new(&m_odb) < 0)
            return fail();
        auto *b = new (std::nothrow) git_odb_backend{};
        if (!b)
            return fail();
        git_odb_init_backend(b, GIT_ODB_BACKEND_VERSION);
        b->writestream = &nullWritestream;
        b->free = &freeBackend;
        if (git_odb_add_backend(m_odb, b, 1) < 0) {
            delete b;
            return fail();
        }
    }
    return git_odb_open_wstream(&m_stream, m_odb, size, type) == 0 || fail();
}

bool ObjectHasher::update(const void *data, size_t size)
{
    // libgit2 takes the length as size_t but hashes in pieces itself.
    return git_odb_stream_write(m_stream, static_cast<const char *>(data), size) == 0 || fail();
}

bool ObjectHasher::finish(git_oid *out)
{
    const bool ok = git_odb_stream_finalize_write(out, m_stream) == 0;
    if (!ok)
        return fail();
    close();
    return true;
}

} // namespace repodeck::core::git::pack
