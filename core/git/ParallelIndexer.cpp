#include "git/ParallelIndexer.h"

// Before any Qt header: Qt's `foreach` macro would rename a member.
#include <git2/sys/odb_backend.h>

#include "git/pack/DeltaResolver.h"
#include "git/pack/IndexWriter.h"
#include "git/pack/PackFile.h"
#include "git/pack/PackParser.h"
#include "retry/AttemptContext.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QScopeGuard>

#include <spdlog/spdlog.h>
#include <zlib.h>
#ifdef Q_OS_LINUX
#include <sys/mman.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <new>

// Qt's `foreach` keyword macro would rename git_odb_backend's callback.
#undef foreach

namespace repodeck::core::git {

namespace {

using namespace pack;

std::atomic<int> g_indexed{0};
std::atomic<int> g_thin{0};
std::atomic<int> g_thinStreamed{0};
std::atomic<unsigned long long> g_peakHeld{0};
std::atomic<unsigned long long> g_streamed{0};

struct Backend
{
    git_odb_backend parent;
    QString packDir;
    bool clone = false;
    int packs = 0;
};

class Writepack;

// What libgit2 holds: standard layout, so its first member's address is the
// struct's, and the pointer libgit2 hands back leads to the writepack.
struct WritepackHandle
{
    git_odb_writepack parent;
    Writepack *self;
};

quint64 memoryBudget()
{
    bool ok = false;
    const quint64 mib = qEnvironmentVariable("REPODECK_PACK_MEMORY_MB").toULongLong(&ok);
    return ok && mib > 0 ? mib << 20 : quint64(128) << 20;
}

class Writepack
{
public:
    Writepack(Backend *backend, git_odb *odb, git_indexer_progress_cb progress, void *payload,
              bool thinAllowed)
        : m_backend(backend)
        , m_odb(odb)
        , m_progress(progress)
        , m_payload(payload)
        , m_thinAllowed(thinAllowed)
    {
        m_handle.parent.backend = &backend->parent;
        m_handle.parent.append = &Writepack::appendCb;
        m_handle.parent.commit = &Writepack::commitCb;
        m_handle.parent.free = &Writepack::freeCb;
        m_handle.self = this;
    }
    git_odb_writepack *handle() { return &m_handle.parent; }
    ~Writepack()
    {
        unmap();
        m_file.close();
        if (!m_committed && !m_tempPath.isEmpty())
            QFile::remove(m_tempPath);
    }

    int open()
    {
        m_tempPath = QDir(m_backend->packDir)
                         .filePath(QStringLiteral("tmp_repodeck_%1.pack")
                                       .arg(QRandomGenerator::global()->generate64(), 16, 16,
                                            QLatin1Char('0')));
        if (!m_file.create(m_tempPath)) {
            const IoFailure f = m_file.failure();
            m_tempPath.clear();
            return f.raise();
        }
        return 0;
    }

private:
    static Writepack *self(git_odb_writepack *w)
    {
        return reinterpret_cast<WritepackHandle *>(w)->self;
    }
    // No exception may cross libgit2's C frames.
    template<typename F>
    static int guarded(F &&f)
    {
        try {
            return f();
        } catch (const std::exception &ex) {
            git_error_set_str(GIT_ERROR_INDEXER, ex.what());
            return -1;
        }
    }
    static int appendCb(git_odb_writepack *w, const void *data, size_t size,
                        git_indexer_progress *stats)
    {
        return guarded(
            [&] { return self(w)->append(static_cast<const char *>(data), size, stats); });
    }
    static int commitCb(git_odb_writepack *w, git_indexer_progress *stats)
    {
        return guarded([&] { return self(w)->commit(stats); });
    }
    static void freeCb(git_odb_writepack *w) { delete self(w); }

    int fail(const QString &why)
    {
        m_failed = true;
        git_error_set_str(GIT_ERROR_INDEXER, why.toUtf8().constData());
        return -1;
    }
    int failIo(const IoFailure &f)
    {
        m_failed = true;
        return f.raise();
    }

    int report(git_indexer_progress *stats)
    {
        if (!m_progress)
            return 0;
        const int rc = m_progress(stats, m_payload);
        if (rc != 0 && !git_error_last())
            git_error_set_str(GIT_ERROR_CALLBACK,
                              "the transfer was stopped by its progress callback");
        return rc;
    }

    int append(const char *data, size_t size, git_indexer_progress *stats)
    {
        if (m_failed)
            return -1;
        if (!m_file.write(data, size))
            return failIo(m_file.failure());
        if (!m_parser.feed(data, size))
            return fail(m_parser.error());
        stats->total_objects = m_parser.declaredCount();
        stats->received_objects = static_cast<unsigned int>(m_parser.entries().size());
        return report(stats);
    }

    // The map is read-only and shared: its pages drop out of this process
    // (the kernel's page cache keeps them) and come back on the next read.
    // Without this, every page of a large pack read while resolving counts
    // as this process's memory until the end.
    void releaseMappedPages()
    {
#ifdef Q_OS_LINUX
        if (m_map)
            madvise(m_map, static_cast<size_t>(m_mapFile.size()), MADV_DONTNEED);
#endif
    }

    void unmap()
    {
        if (m_map) {
            m_mapFile.unmap(m_map);
            m_map = nullptr;
        }
        m_mapFile.close();
    }
    bool map()
    {
        unmap();
        m_mapFile.setFileName(m_tempPath);
        if (!m_mapFile.open(QIODevice::ReadOnly) || m_mapFile.size() <= 0)
            return false;
        m_map = m_mapFile.map(0, m_mapFile.size());
        return m_map != nullptr;
    }

    // The attempt's limits, checked about every 100 ms while deltas are
    // resolved: cancel, the attempt deadline, and a stall of the work itself.
    int checkLimits(const ResolveProgress &p, git_indexer_progress *stats)
    {
        releaseMappedPages();
        stats->indexed_objects = m_doneObjects + p.indexedObjects;
        stats->indexed_deltas = m_doneDeltas + p.indexedDeltas;
        if (AttemptContext *ctx = AttemptContext::current()) {
            if (ctx->checkInterrupted() != StreamFault::None) {
                git_error_set_str(
                    GIT_ERROR_INDEXER,
                    "indexing the pack was interrupted: the attempt was cancelled or ran out of time");
                return -1;
            }
            const auto now = std::chrono::steady_clock::now();
            if (p.work != m_lastWork || m_lastWorkAt.time_since_epoch().count() == 0) {
                m_lastWork = p.work;
                m_lastWorkAt = now;
            } else if (ctx->stallTimeout().count() > 0
                       && now - m_lastWorkAt > ctx->stallTimeout() + m_stepAllowance) {
                ctx->recordFault(StreamFault::StallTimeout, ctx->stallTimeout());
                git_error_set_str(GIT_ERROR_INDEXER, "indexing the pack made no progress");
                return -1;
            }
        }
        return report(stats);
    }

    int resolve(const std::vector<quint32> &roots, git_indexer_progress *stats)
    {
        ResolveOptions options;
        options.memoryBudget = memoryBudget();
        options.spillDir = m_backend->packDir;
        options.progress = [&](const ResolveProgress &p) { return checkLimits(p, stats); };
        DeltaResolver resolver(m_map, static_cast<size_t>(m_mapFile.size()), m_parser.entries(),
                               options);
        const int rc = resolver.run(roots);
        m_doneObjects = stats->indexed_objects;
        m_doneDeltas = stats->indexed_deltas;
        g_peakHeld = std::max<unsigned long long>(g_peakHeld, resolver.peakHeldBytes());
        if (resolver.rebuiltBases() > 0)
            spdlog::debug("pack indexer: {} delta bases dropped and rebuilt to stay within {} MiB",
                          resolver.rebuiltBases(), options.memoryBudget >> 20);
        g_streamed += resolver.streamedObjects();
        if (resolver.streamedObjects() > 0)
            spdlog::debug(
                "pack indexer: {} objects over {} MiB streamed, {} MiB kept on disk at most",
                resolver.streamedObjects(), options.streamThreshold >> 20,
                resolver.peakSpilledBytes() >> 20);
        if (rc < 0 && resolver.ioError()) {
            m_failed = true;
            git_error_set_str(GIT_ERROR_OS, resolver.error().toUtf8().constData());
            return -1;
        }
        if (rc < 0 && !resolver.error().isEmpty())
            return fail(resolver.error());
        return rc;
    }

    // One base from the repository, deflated onto the end of the pack piece
    // by piece. One over the stream threshold is read as a stream where the
    // object database can (a loose object): never whole. libgit2 1.5.1's
    // packed backend has no read stream, so a large base in a local pack is
    // still read whole (docs/security.md).
    int appendBase(const git_oid &id, size_t size, quint32 *crc, quint64 *packedSize)
    {
        z_stream z{};
        if (deflateInit(&z, Z_DEFAULT_COMPRESSION) != Z_OK)
            return fail(QStringLiteral("zlib could not compress a base object"));
        auto zEnd = qScopeGuard([&] { deflateEnd(&z); });
        Bytes out(kStreamPiece);
        quint64 written = 0;
        auto deflatePiece = [&](const unsigned char *data, size_t len, bool last) -> int {
            z.next_in = const_cast<Bytef *>(data);
            z.avail_in = static_cast<uInt>(len);
            int zr = Z_OK;
            do {
                z.next_out = out.data();
                z.avail_out = static_cast<uInt>(out.size());
                zr = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
                if (zr == Z_STREAM_ERROR)
                    return fail(QStringLiteral("zlib could not compress a base object"));
                const size_t have = out.size() - z.avail_out;
                if (have > 0) {
                    if (!m_file.write(out.data(), have))
                        return failIo(m_file.failure());
                    *crc = static_cast<quint32>(crc32(*crc, out.data(), static_cast<uInt>(have)));
                    written += have;
                }
            } while (z.avail_out == 0 || (last && zr != Z_STREAM_END));
            return 0;
        };
        git_odb_stream *stream = nullptr;
        size_t streamLen = 0;
        git_object_t streamType = GIT_OBJECT_INVALID;
        if (size > kStreamThreshold
            && git_odb_open_rstream(&stream, &streamLen, &streamType, m_odb, &id) == 0) {
            auto freeStream = qScopeGuard([&] { git_odb_stream_free(stream); });
            ++g_thinStreamed;
            Bytes in(kStreamPiece);
            quint64 total = 0;
            while (true) {
                const int n = git_odb_stream_read(stream, reinterpret_cast<char *>(in.data()),
                                                  in.size());
                if (n < 0)
                    return -1;
                total += static_cast<quint64>(n);
                if (total > size)
                    return fail(QStringLiteral("object %1 is larger than its header says")
                                    .arg(QString::fromLatin1(git_oid_tostr_s(&id))));
                if (const int rc = deflatePiece(in.data(), static_cast<size_t>(n), n == 0); rc != 0)
                    return rc;
                if (n == 0)
                    break;
            }
            if (total != size)
                return fail(QStringLiteral("object %1 is shorter than its header says")
                                .arg(QString::fromLatin1(git_oid_tostr_s(&id))));
        } else {
            git_error_clear();
            git_odb_object *object = nullptr;
            if (git_odb_read(&object, m_odb, &id) < 0)
                return -1;
            auto freeObject = qScopeGuard([&] { git_odb_object_free(object); });
            if (git_odb_object_size(object) != size)
                return fail(QStringLiteral("object %1 is not the size its header says")
                                .arg(QString::fromLatin1(git_oid_tostr_s(&id))));
            const auto *data = static_cast<const unsigned char *>(git_odb_object_data(object));
            for (size_t at = 0; at < size; at += kStreamPiece)
                if (const int rc = deflatePiece(data + at,
                                                std::min<size_t>(kStreamPiece, size - at), false);
                    rc != 0)
                    return rc;
            if (const int rc = deflatePiece(nullptr, 0, true); rc != 0)
                return rc;
        }
        *packedSize = written;
        return 0;
    }

    // A thin pack names bases it does not carry: they are appended to it
    // from the repository's objects (a pack on disk must be complete), its
    // object count and checksum rewritten, and their deltas resolved.
    int completeThin(std::vector<quint32> *newRoots, git_indexer_progress *stats)
    {
        PackTable &entries = m_parser.entries();
        DeltaResolver probe(m_map, static_cast<size_t>(m_mapFile.size()), entries,
                            ResolveOptions{});
        const std::vector<git_oid> missing = probe.missingBases();
        if (missing.empty())
            return fail(QStringLiteral("corrupt pack: %1 deltas could not be resolved")
                            .arg(probe.unresolvedCount()));
        // Base ids are read from the map: where each is first needed is found
        // now, before the pack is unmapped to be completed.
        std::vector<quint64> needers(missing.size(), 0);
        for (const PackEntry &e : entries) {
            if (e.resolved || e.type != RefDelta)
                continue;
            const git_oid base = PackTable::baseOid(m_map, e);
            for (size_t k = 0; k < missing.size(); ++k)
                if (needers[k] == 0 && git_oid_equal(&base, &missing[k]))
                    needers[k] = e.offset;
        }
        const auto firstNeeding = [&](const git_oid &base) {
            for (size_t k = 0; k < missing.size(); ++k)
                if (git_oid_equal(&missing[k], &base))
                    return needers[k];
            return quint64(0);
        };
        if (!m_thinAllowed)
            return fail(
                QStringLiteral(
                    "the server sent a thin pack to a clone: the delta at offset %1 needs object %2, "
                    "which the pack does not carry")
                    .arg(firstNeeding(missing.front()))
                    .arg(QString::fromLatin1(git_oid_tostr_s(&missing.front()))));
        unmap();
        quint64 at = m_file.size() - GIT_OID_RAWSZ;
        if (!m_file.truncate(at))
            return failIo(m_file.failure());
        for (const git_oid &id : missing) {
            size_t size = 0;
            git_object_t type = GIT_OBJECT_INVALID;
            if (git_odb_read_header(&size, &type, m_odb, &id) < 0)
                return fail(
                    QStringLiteral(
                        "the pack's delta at offset %1 needs object %2, which neither the pack nor "
                        "this repository has")
                        .arg(firstNeeding(id))
                        .arg(QString::fromLatin1(git_oid_tostr_s(&id))));
            if (size > kMaxObjectSize)
                return fail(QStringLiteral("object %1 is larger than 2 GiB")
                                .arg(QString::fromLatin1(git_oid_tostr_s(&id))));
            PackEntry e;
            e.offset = at;
            e.type = static_cast<quint8>(type);
            e.size = static_cast<quint32>(size);
            const Bytes header = objectHeader(static_cast<PackType>(type), e.size);
            if (!m_file.write(header.data(), header.size()))
                return failIo(m_file.failure());
            e.headerSize = static_cast<quint8>(header.size());
            quint32 crc = static_cast<quint32>(
                crc32(0, header.data(), static_cast<uInt>(header.size())));
            quint64 packedSize = 0;
            if (const int rc = appendBase(id, size, &crc, &packedSize); rc != 0)
                return rc;
            e.crc = crc;
            at = e.data() + packedSize;
            newRoots->push_back(static_cast<quint32>(entries.size()));
            entries.push_back(e);
            entries.setEnd(at);
        }
        const quint32 count = static_cast<quint32>(entries.size());
        const unsigned char be[4] = {uchar(count >> 24), uchar(count >> 16), uchar(count >> 8),
                                     uchar(count)};
        if (!m_file.writeAt(8, be, 4))
            return failIo(m_file.failure());
        // Hashed from reads, not the map: a large base's pages would count
        // as this process's memory.
        {
            QFile in(m_tempPath);
            if (!in.open(QIODevice::ReadOnly))
                return fail(QStringLiteral("cannot read %1").arg(m_tempPath));
            QCryptographicHash sum(QCryptographicHash::Sha1);
            QByteArray piece(static_cast<qsizetype>(kStreamPiece), Qt::Uninitialized);
            qint64 n = 0;
            while ((n = in.read(piece.data(), piece.size())) > 0)
                sum.addData(QByteArrayView(piece.constData(), n));
            if (n < 0)
                return fail(QStringLiteral("cannot read %1").arg(m_tempPath));
            m_trailer = sum.result();
        }
        if (!m_file.write(m_trailer.constData(), static_cast<size_t>(m_trailer.size())))
            return failIo(m_file.failure());
        if (!map())
            return fail(QStringLiteral("cannot map %1").arg(m_tempPath));
        stats->local_objects += static_cast<unsigned int>(missing.size());
        stats->total_objects = count;
        ++g_thin;
        return 0;
    }

    int commit(git_indexer_progress *stats)
    {
        if (m_failed)
            return -1;
        if (!m_parser.finish())
            return fail(m_parser.error());
        m_trailer = m_parser.trailer();
        if (!m_file.sync())
            return failIo(m_file.failure());
        if (!map())
            return fail(QStringLiteral("cannot map %1").arg(m_tempPath));

        PackTable &entries = m_parser.entries();
        std::vector<quint32> roots;
        unsigned int deltas = 0;
        for (size_t i = 0; i < entries.size(); ++i) {
            if (entries[i].isDelta())
                ++deltas;
            else
                roots.push_back(static_cast<quint32>(i));
        }
        // One step (inflate, apply, hash one object) may legitimately take
        // long for a large object: 1 s per 32 MiB of the largest entry on
        // top of the stall timeout before the work counts as stalled.
        quint64 largest = 0;
        for (const PackEntry &e : entries)
            largest = std::max<quint64>(largest, e.size);
        m_stepAllowance = std::chrono::milliseconds(
            1000 + static_cast<qint64>(largest / (quint64(32) << 20)) * 1000);
        stats->total_objects = static_cast<unsigned int>(entries.size());
        stats->received_objects = static_cast<unsigned int>(entries.size());
        stats->total_deltas = deltas;
        stats->indexed_objects = 0;
        stats->indexed_deltas = 0;

        // Each round resolves what it can; a round that leaves deltas
        // waiting for bases the pack lacks completes it from the repository.
        // A duplicate is refused before anything is looked up.
        while (true) {
            if (const int rc = resolve(roots, stats); rc != 0)
                return rc;
            git_oid dup;
            if (findDuplicate(entries, &dup))
                return fail(QStringLiteral("corrupt pack: object %1 occurs twice")
                                .arg(QString::fromLatin1(git_oid_tostr_s(&dup))));
            if (std::all_of(entries.begin(), entries.end(),
                            [](const PackEntry &e) { return e.resolved; }))
                break;
            // One round of bases completes any thin pack: every base missing
            // after the first is appended at once. A second round means
            // the repository's object did not hash to its id.
            if (++m_thinRounds > 1)
                return fail(
                    QStringLiteral("corrupt pack: %1 deltas could not be resolved")
                        .arg(std::count_if(entries.begin(), entries.end(),
                                           [](const PackEntry &e) { return !e.resolved; })));
            roots.clear();
            if (const int rc = completeThin(&roots, stats); rc != 0)
                return rc;
        }
        return writeIndex(stats);
    }

    int writeIndex(git_indexer_progress *stats)
    {
        unmap();
        if (!m_file.close())
            return failIo(m_file.failure());

        const QDir dir(m_backend->packDir);
        const QString name = QStringLiteral("pack-") + QString::fromLatin1(m_trailer.toHex());
        const QString packPath = dir.filePath(name + QStringLiteral(".pack"));
        const QString idxPath = dir.filePath(name + QStringLiteral(".idx"));
        const auto readOnly = QFileDevice::ReadOwner | QFileDevice::ReadGroup
                              | QFileDevice::ReadOther;
        // The .pack first, the .idx last: a reader that sees the index finds its pack.
        bool movedHere = false;
        IoFailure failure;
        if (QFile::exists(packPath)) {
            QFile::remove(m_tempPath); // the same pack is already here
        } else if (!renameFile(m_tempPath, packPath, &failure)) {
            return failIo(failure);
        } else {
            movedHere = true;
        }
        m_committed = true;
        QFile::setPermissions(packPath, readOnly);
        // Streamed to its file: the index is never held whole in memory.
        QString why;
        bool isIo = false;
        if (!writeIndexFile(m_parser.entries(), m_trailer, idxPath, &why, &failure, &isIo)) {
            if (movedHere)
                QFile::remove(packPath); // never a pack without its index
            if (!isIo) {
                m_committed = false;
                return fail(why);
            }
            return failIo(failure);
        }
        QFile::setPermissions(idxPath, readOnly);
        ++g_indexed;
        stats->indexed_objects = static_cast<unsigned int>(m_parser.entries().size());
        stats->received_objects = stats->indexed_objects;
        return 0; // the report after resolving already carried these counts
    }

    WritepackHandle m_handle{};
    Backend *m_backend;
    git_odb *m_odb;
    git_indexer_progress_cb m_progress;
    void *m_payload;
    bool m_thinAllowed;
    QString m_tempPath;
    PackFile m_file;
    QFile m_mapFile;
    uchar *m_map = nullptr;
    bool m_committed = false;
    bool m_failed = false;
    PackParser m_parser;
    QByteArray m_trailer;
    unsigned int m_doneObjects = 0; // by earlier rounds (a thin pack has two)
    unsigned int m_doneDeltas = 0;
    quint64 m_lastWork = 0;
    std::chrono::milliseconds m_stepAllowance{0};
    int m_thinRounds = 0;
    std::chrono::steady_clock::time_point m_lastWorkAt{};
};

int writepackCb(git_odb_writepack **out, git_odb_backend *base, git_odb *odb,
                git_indexer_progress_cb progress, void *payload)
{
    auto *backend = reinterpret_cast<Backend *>(base);
    const bool firstOfClone = backend->clone && backend->packs == 0;
    if (firstOfClone && qEnvironmentVariable("REPODECK_INDEXER") == QLatin1String("libgit2"))
        return GIT_PASSTHROUGH;
    ++backend->packs;
    auto *w = new (std::nothrow) Writepack(backend, odb, progress, payload, !firstOfClone);
    if (!w)
        return -1;
    if (const int rc = w->open(); rc < 0) {
        delete w;
        return rc;
    }
    *out = w->handle();
    return 0;
}

// libgit2 1.5.1 calls foreach without checking for NULL: nothing to list here.
int foreachCb(git_odb_backend *, git_odb_foreach_cb, void *)
{
    return 0;
}

// libgit2 refreshes the whole object database (rescanning objects/pack) on
// every lookup that misses, and before a fetch it looks up every advertised
// ref (`mark_local`) with no callback in between: a server advertising
// 500,000 refs kept a first clone there for many seconds past its attempt
// timeout. This backend is asked first; once the attempt is cancelled or
// out of time its refresh fails, which stops the rescans (the lookups then
// answer "missing" at once) and the next read from the server ends the
// attempt. Within the attempt's time nothing changes.
int refreshCb(git_odb_backend *)
{
    if (AttemptContext *ctx = AttemptContext::current();
        ctx && ctx->checkInterrupted() != StreamFault::None) {
        git_error_set_str(GIT_ERROR_ODB, "the attempt was cancelled or ran out of time");
        return -1;
    }
    return 0;
}

void freeBackend(git_odb_backend *base)
{
    delete reinterpret_cast<Backend *>(base);
}

} // namespace

int parallelIndexedPacks()
{
    return g_indexed;
}

int completedThinPacks()
{
    return g_thin;
}

unsigned long long streamedPackObjects()
{
    return g_streamed;
}

unsigned long long lastPeakHeldBaseBytes()
{
    return g_peakHeld.exchange(0);
}

int installParallelIndexer(git_repository *repo, bool clone)
{
    git_odb *odb = nullptr;
    if (int rc = git_repository_odb(&odb, repo); rc < 0)
        return rc;
    for (size_t i = 0, n = git_odb_num_backends(odb); i < n; ++i) {
        git_odb_backend *b = nullptr;
        if (git_odb_get_backend(&b, odb, i) == 0 && b->writepack == &writepackCb) {
            git_odb_free(odb);
            return 0;
        }
    }
    auto *backend = new Backend;
    std::memset(&backend->parent, 0, sizeof backend->parent);
    git_odb_init_backend(&backend->parent, GIT_ODB_BACKEND_VERSION);
    backend->parent.writepack = &writepackCb;
    backend->parent.free = &freeBackend;
    backend->parent.foreach = &foreachCb;
    backend->parent.refresh = &refreshCb;
    backend->packDir = QDir(QFile::decodeName(git_repository_path(repo)))
                           .filePath(QStringLiteral("objects/pack"));
    backend->clone = clone;
    QDir().mkpath(backend->packDir);
    // Above the loose (1) and packed (2) backends, so it is asked first.
    const int rc = git_odb_add_backend(odb, &backend->parent, 100);
    if (rc < 0)
        delete backend;
    git_odb_free(odb);
    return rc;
}

int createRepositoryWithParallelIndexer(git_repository **out, const char *path, int bare, void *)
{
    if (int rc = git_repository_init(out, path, static_cast<unsigned>(bare)); rc < 0)
        return rc;
    if (const int rc = installParallelIndexer(*out, true); rc < 0) {
        // Not silently libgit2's indexer instead: it loops on hostile packs.
        git_repository_free(*out);
        *out = nullptr;
        return rc;
    }
    return 0;
}

} // namespace repodeck::core::git
