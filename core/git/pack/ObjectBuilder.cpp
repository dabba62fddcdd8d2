#include "git/pack/ObjectBuilder.h"

#include <QDir>

namespace repodeck::core::git::pack {

ObjectView StoredObject::view() const
{
    static const unsigned char empty = 0;
    if (file)
        return ObjectView{nullptr, file.get(), size};
    return ObjectView{bytes.empty() ? &empty : bytes.data(), nullptr, size};
}

void StoredObject::clear()
{
    bytes = Bytes();
    file.reset();
    size = 0;
}

ObjectBuilder::ObjectBuilder(const unsigned char *pack, size_t packSize, const PackTable &entries,
                             const ResolveOptions &options, const std::atomic<bool> &stop,
                             std::atomic<quint64> &work, std::atomic<quint64> &streamed)
    : m_pack(pack)
    , m_packSize(packSize)
    , m_entries(entries)
    , m_options(options)
    , m_stop(stop)
    , m_work(work)
    , m_streamed(streamed)
{
}

bool ObjectBuilder::fail(const QString &message)
{
    m_failure = BuildFailure{message, false, {}};
    return false;
}

bool ObjectBuilder::failIo(const IoFailure &failure)
{
    m_failure = BuildFailure{failure.message(), true, failure};
    return false;
}

bool ObjectBuilder::inflate(quint32 i, Bytes &out)
{
    const PackEntry &e = m_entries[i];
    ++m_work;
    if (!entryInPack(i)
        || !inflateEntry(m_pack + e.data(), m_entries.endOf(i) - e.data(), e.size, out))
        return fail(
            QStringLiteral("corrupt pack: the object at offset %1 does not inflate").arg(e.offset));
    return true;
}

bool ObjectBuilder::failDelta(quint32 child, DeltaError err)
{
    return fail(QStringLiteral("corrupt pack: the delta at offset %1 does not apply: %2")
                    .arg(m_entries[child].offset)
                    .arg(QString::fromLatin1(describe(err))));
}

bool ObjectBuilder::build(quint32 i, const StoredObject *base, git_object_t type, bool keep,
                          git_oid *oid, StoredObject &out)
{
    m_failure = BuildFailure{};
    const PackEntry &e = m_entries[i];
    out.clear();
    if (!entryInPack(i))
        return inflate(i, out.bytes);
    const unsigned char *in = m_pack + e.data();
    const quint64 inSize = m_entries.endOf(i) - e.data();
    const quint64 threshold = m_options.streamThreshold;
    quint64 declared = e.size;
    if (base) {
        quint64 source = 0;
        if (e.size <= threshold && !base->spilled()) {
            if (!inflate(i, m_delta))
                return false;
            if (!readDeltaSizes(m_delta.data(), m_delta.size(), &source, &declared))
                return failDelta(i, DeltaError::Truncated);
        } else if (!peekDeltaSizes(in, inSize, &source, &declared)) {
            return failDelta(i, DeltaError::Truncated);
        }
    }
    if (declared <= threshold && e.size <= threshold && !(base && base->spilled()))
        return inMemory(i, base, type, oid, out);
    return streamed(i, base, type, keep, declared, oid, out);
}

bool ObjectBuilder::inMemory(quint32 i, const StoredObject *base, git_object_t type, git_oid *oid,
                             StoredObject &out)
{
    if (!base) {
        if (!inflate(i, out.bytes))
            return false;
    } else {
        const DeltaError err = applyDelta(base->bytes.empty() ? nullptr : base->bytes.data(),
                                          base->bytes.size(), m_delta.data(), m_delta.size(),
                                          m_options.maxObjectSize, out.bytes);
        if (m_delta.capacity() > (size_t(16) << 20))
            m_delta = Bytes(); // a large delta's buffer is not kept for the small ones
        if (err != DeltaError::None)
            return failDelta(i, err);
    }
    out.size = out.bytes.size();
    static const unsigned char empty = 0;
    if (oid
        && git_odb_hash(oid, out.bytes.empty() ? &empty : out.bytes.data(), out.bytes.size(), type)
               < 0) {
        const git_error *err = git_error_last();
        return fail(QString::fromUtf8(err ? err->message : "hashing an object failed"));
    }
    return true;
}

bool ObjectBuilder::streamed(quint32 i, const StoredObject *base, git_object_t type, bool keep,
                             quint64 declared, git_oid *oid, StoredObject &out)
{
    const PackEntry &e = m_entries[i];
    ++m_work;
    ++m_streamed;
    m_delta = Bytes();
    if (declared > m_options.maxObjectSize || declared > kMaxObjectSize)
        return failDelta(i, DeltaError::TooLarge);
    std::unique_ptr<SpillFile> file;
    if (keep) {
        file = std::make_unique<SpillFile>();
        if (!file->create(spillDir(), declared)) {
            return failIo(file->failure());
        }
    }
    if (oid && !m_hasher.begin(type, declared)) {
        return fail(m_hasher.error());
    }
    ObjectSink sink(oid ? &m_hasher : nullptr, file.get(), &m_stop, &m_work);
    DeltaError err = DeltaError::None;
    const unsigned char *in = m_pack + e.data();
    const quint64 inSize = m_entries.endOf(i) - e.data();
    const StreamResult rc = base ? streamDelta(in, inSize, e.size, base->view(),
                                               m_options.maxObjectSize, sink, &err)
                                 : streamObject(in, inSize, e.size, sink);
    switch (rc) {
    case StreamResult::Ok: break;
    case StreamResult::Stopped: return false; // no message: whoever stopped it said why
    case StreamResult::BadDelta: return failDelta(i, err);
    case StreamResult::Corrupt:
        return fail(
            QStringLiteral("corrupt pack: the object at offset %1 does not inflate").arg(e.offset));
    case StreamResult::BaseReadFailed: return failIo(base->file->failure());
    case StreamResult::SinkFailed:
        if (sink.fileFailed())
            return failIo(file->failure());
        else
            return fail(m_hasher.error());
    }
    if (oid && !m_hasher.finish(oid)) {
        return fail(m_hasher.error());
    }
    out.size = declared;
    out.file = std::move(file);
    return true;
}

QString ObjectBuilder::spillDir() const
{
    return m_options.spillDir.isEmpty() ? QDir::tempPath() : m_options.spillDir;
}

} // namespace repodeck::core::git::pack
